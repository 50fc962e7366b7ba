package io.rlhf4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ValueTypesTest {
  @Test
  void rankingPairsFollowRanksAndSkipTies() {
    Ranking r = Ranking.of("p", List.of("a", "b", "c", "d"), List.of(2, 1, 2, 3));
    assertThat(r.pairs())
        .containsExactlyInAnyOrder(
            new Ranking.RankedPair(1, 0),
            new Ranking.RankedPair(1, 2),
            new Ranking.RankedPair(1, 3),
            new Ranking.RankedPair(0, 3),
            new Ranking.RankedPair(2, 3));
    Ranking full = Ranking.of("p", List.of("a", "b", "c", "d", "e"), List.of(1, 2, 3, 4, 5));
    assertThat(full.pairs()).hasSize(10); // C(5,2)
  }

  @Test
  void rankingValidation() {
    assertThatThrownBy(() -> Ranking.of("p", List.of("a"), List.of(1)))
        .hasMessageContaining("K >= 2");
    assertThatThrownBy(() -> Ranking.of("p", List.of("a", "b"), List.of(1)))
        .hasMessageContaining("ranks has 1 entries");
    assertThatThrownBy(() -> Ranking.of("p", List.of("a", "b"), List.of(0, 1)))
        .hasMessageContaining("start at 1");
  }

  @Test
  void rankingIsImmutable() {
    List<String> responses = new ArrayList<>(List.of("a", "b"));
    Ranking r = Ranking.of("p", responses, List.of(1, 2));
    responses.set(0, "changed");
    assertThat(r.responses()).containsExactly("a", "b");
    assertThatThrownBy(() -> r.responses().add("c"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void comparisonBecomesRankingWithMargin() {
    Comparison c = new Comparison("p", "good", "bad", OptionalDouble.of(0.5));
    Ranking r = c.toRanking();
    assertThat(r.responses()).containsExactly("good", "bad");
    assertThat(r.pairs()).containsExactly(new Ranking.RankedPair(0, 1));
    assertThat(r.margin()).hasValue(0.5);
    assertThatThrownBy(() -> new Comparison("p", "a", "b", OptionalDouble.of(-1)))
        .hasMessageContaining("margin");
  }

  @Test
  void demonstrationNeedsResponse() {
    assertThatThrownBy(() -> new Demonstration("p", "")).hasMessageContaining("empty");
    assertThat(new Demonstration("", "text").prompt()).isEmpty();
  }

  @Test
  void splitKeepsEveryRankingOnceAndIsSeeded() {
    List<Ranking> all = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      all.add(Ranking.of("p" + i, List.of("a", "b"), List.of(1, 2)));
    }
    PreferenceDataset ds = PreferenceDataset.of(all);
    PreferenceDataset.Split s = ds.split(0.1, 42);
    assertThat(s.heldOut().size()).isEqualTo(10);
    assertThat(s.train().size()).isEqualTo(90);
    List<String> prompts = new ArrayList<>();
    s.train().forEach(r -> prompts.add(r.prompt()));
    s.heldOut().forEach(r -> prompts.add(r.prompt()));
    assertThat(prompts).doesNotHaveDuplicates().hasSize(100);
    assertThat(ds.split(0.1, 42).heldOut().get(0)).isEqualTo(s.heldOut().get(0));
    assertThat(ds.pairCount()).isEqualTo(100);
  }
}
