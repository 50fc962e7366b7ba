package io.rlhf4j.djl.train.rollout;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * One part of an iteration's rollout: consecutive rows of the iteration's batch (whole groups, all
 * samples of a prompt together), generated and scored as one batch.
 *
 * @param iteration the iteration (its random streams derive from it)
 * @param index the shard's place among the iteration's shards
 * @param firstRow the batch row of this shard's first row: row i here samples from the stream of
 *     row firstRow + i, so the shard draws what the same rows draw anywhere
 * @param rows the prompt ids of each row
 */
public record RolloutShard(long iteration, int index, int firstRow, List<int[]> rows)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Validates and copies the row list. */
  public RolloutShard {
    checkArgument(index >= 0 && firstRow >= 0, "index and firstRow must be >= 0");
    checkArgument(!rows.isEmpty(), "a shard needs rows");
    rows = List.copyOf(rows);
  }

  /**
   * Cuts a batch of {@code rows} into {@code parts} shards of whole groups: group g is rows [g·n,
   * (g+1)·n) with n = {@code groupSize}, and the groups are shared out as evenly as they go,
   * earlier shards taking the remainder.
   */
  public static List<RolloutShard> cut(long iteration, List<int[]> rows, int groupSize, int parts) {
    checkArgument(groupSize >= 1 && rows.size() % groupSize == 0, "rows must be whole groups");
    int groups = rows.size() / groupSize;
    checkArgument(parts >= 1 && parts <= groups, "parts must be in [1, %s]", groups);
    List<RolloutShard> out = new ArrayList<>(parts);
    int group = 0;
    for (int k = 0; k < parts; k++) {
      int take = groups / parts + (k < groups % parts ? 1 : 0);
      int from = group * groupSize;
      int to = (group + take) * groupSize;
      out.add(new RolloutShard(iteration, k, from, rows.subList(from, to)));
      group += take;
    }
    return out;
  }

  /** The number of rows. */
  public int size() {
    return rows.size();
  }
}
