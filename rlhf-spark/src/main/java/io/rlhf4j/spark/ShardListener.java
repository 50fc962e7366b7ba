package io.rlhf4j.spark;

import io.rlhf4j.djl.train.rollout.RolloutShard;
import java.io.Serializable;

/**
 * Called inside a Spark task after its shard is made and before the result is returned: for
 * watching tasks, and for fault drills, where throwing fails the attempt and Spark retries it (see
 * {@link SparkRollouts}).
 */
@FunctionalInterface
public interface ShardListener extends Serializable {
  /**
   * @param shard the shard just made
   * @param attempt Spark's attempt number of this task (0 for the first)
   */
  void afterShard(RolloutShard shard, int attempt) throws Exception;
}
