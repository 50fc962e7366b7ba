package io.rlhf4j.djl.train.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutShardTest {
  private static List<int[]> rows(int n) {
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new int[] {1, i});
    }
    return out;
  }

  @Test
  void groupsAreSharedOutEvenlyEarlierShardsTakingTheRemainder() {
    // 8 single-row groups in 3 shards: 3, 3, 2 rows starting at rows 0, 3, 6.
    List<RolloutShard> shards = RolloutShard.cut(5, rows(8), 1, 3);
    assertThat(shards).extracting(RolloutShard::size).containsExactly(3, 3, 2);
    assertThat(shards).extracting(RolloutShard::firstRow).containsExactly(0, 3, 6);
    assertThat(shards).extracting(RolloutShard::index).containsExactly(0, 1, 2);
    assertThat(shards).allSatisfy(s -> assertThat(s.iteration()).isEqualTo(5));
    assertThat(shards.get(2).rows().get(1)).containsExactly(1, 7);
  }

  @Test
  void aGroupIsNeverSplit() {
    // 4 groups of 4 rows in 3 shards: 2, 1, 1 groups = 8, 4, 4 rows.
    List<RolloutShard> shards = RolloutShard.cut(1, rows(16), 4, 3);
    assertThat(shards).extracting(RolloutShard::size).containsExactly(8, 4, 4);
    assertThat(shards).extracting(RolloutShard::firstRow).containsExactly(0, 8, 12);
  }

  @Test
  void moreShardsThanGroupsOrPartialGroupsAreRefused() {
    assertThatThrownBy(() -> RolloutShard.cut(1, rows(8), 4, 3))
        .hasMessageContaining("parts must be in [1, 2]");
    assertThatThrownBy(() -> RolloutShard.cut(1, rows(7), 4, 1))
        .hasMessageContaining("whole groups");
  }
}
