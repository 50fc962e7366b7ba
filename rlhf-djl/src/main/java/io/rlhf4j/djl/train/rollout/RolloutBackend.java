package io.rlhf4j.djl.train.rollout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where an iteration's shards are made. The trainer hands over its own worker, whose models hold
 * the current weights: an in-process backend runs it; a distributed one reads the weights from it,
 * ships them, and runs equal workers elsewhere. Either way the shards must come back exactly as the
 * trainer's worker would make them.
 */
public interface RolloutBackend extends AutoCloseable {
  /** Makes every shard of one iteration with {@code worker}'s models, or their exact copies. */
  Rollouts run(RolloutWorker worker, List<RolloutShard> shards);

  /** Releases what the backend holds (executors' caches, broadcasts); in process, nothing. */
  @Override
  default void close() {}

  /** The default: the shards one after another, in this process, on the calling thread. */
  static RolloutBackend inProcess() {
    return (worker, shards) -> {
      List<ShardRollout> out = new ArrayList<>(shards.size());
      for (RolloutShard shard : shards) {
        out.add(worker.run(shard));
      }
      return new Rollouts(out, Map.of());
    };
  }
}
