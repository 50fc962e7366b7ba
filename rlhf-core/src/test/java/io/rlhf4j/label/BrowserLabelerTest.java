package io.rlhf4j.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rlhf4j.data.Labeler;
import io.rlhf4j.data.Ranking;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrowserLabelerTest {
  private static final Labeler LONGER_IS_BETTER = Labeler.byScore((p, r) -> r.length());

  @TempDir Path dir;

  private static List<Labeler.Request> requests() {
    return List.of(
        new Labeler.Request("a", List.of("x", "xxx", "xx")),
        new Labeler.Request("b", List.of("yy", "y")),
        new Labeler.Request("c", List.of("z", "zzzz")));
  }

  @Test
  void blocksUntilPeopleRankedTheRoundAndReturnsTheirRankings() {
    BrowserLabeler labeler =
        BrowserLabeler.builder(dir)
            .port(0)
            .overlap(0)
            .announce(link -> new Person(link, "ann", LONGER_IS_BETTER, 100).start())
            .build();

    List<Ranking> ranked = labeler.rankAll(requests());

    assertThat(ranked).hasSize(3);
    for (int i = 0; i < 3; i++) {
      Labeler.Request r = requests().get(i);
      assertThat(ranked.get(i)).isEqualTo(LONGER_IS_BETTER.rank(r.prompt(), r.responses()));
    }
  }

  @Test
  void aDeadlineEndsTheRoundWithWhatWasRankedOrAClearError() {
    // One person ranks one prompt and leaves.
    BrowserLabeler partly =
        BrowserLabeler.builder(dir.resolve("partly"))
            .port(0)
            .deadline(Duration.ofSeconds(2))
            .announce(link -> new Person(link, "ann", LONGER_IS_BETTER, 1).start())
            .build();
    assertThat(partly.rankAll(requests())).extracting(Ranking::prompt).containsExactly("a");

    BrowserLabeler nobody =
        BrowserLabeler.builder(dir.resolve("nobody"))
            .port(0)
            .deadline(Duration.ofMillis(300))
            .announce(link -> {})
            .build();
    assertThatThrownBy(() -> nobody.rankAll(requests()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no ranking arrived before the deadline");
  }
}
