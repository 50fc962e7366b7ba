package io.rlhf4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LabelerTest {
  @Test
  void rankByScoreWithTies() {
    Labeler byLength = Labeler.byScore((prompt, response) -> response.length());
    Ranking r = byLength.rank("p", List.of("aa", "aaaa", "a", "bb"));
    assertThat(r.ranks()).containsExactly(2, 1, 4, 2);
    assertThat(r.pairs()).hasSize(5); // 6 pairs minus the tie
  }
}
