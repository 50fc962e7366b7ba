package io.rlhf4j.djl.train.rollout;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A backend's answer for one iteration: every shard's rollout, in shard order, and the backend's
 * own timings (empty in process; a distributed backend reports e.g. broadcast and collect seconds),
 * which the trainer adds to the iteration's metrics.
 *
 * @param shards one per shard, shard i at index i
 * @param timings seconds by metric name
 */
public record Rollouts(List<ShardRollout> shards, Map<String, Double> timings) {
  /** Copies, and checks that shard i is at index i. */
  public Rollouts {
    shards = List.copyOf(shards);
    timings = Collections.unmodifiableMap(new LinkedHashMap<>(timings)); // in the backend's order
    for (int i = 0; i < shards.size(); i++) {
      checkArgument(
          shards.get(i).index() == i,
          "shard %s at position %s: rollouts out of order",
          shards.get(i).index(),
          i);
    }
  }
}
