package io.rlhf4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BradleyTerryLabelerTest {
  // The rater's hidden score is the response's length.
  private static double length(String prompt, String response) {
    return response.length();
  }

  @Test
  void pairPreferenceFollowsTheLogisticOfTheScoreGap() {
    // s = 3 vs 2 at τ = 0.5: P(longer wins) = 1 / (1 + e^-2) = 0.880797...
    BradleyTerryLabeler rater = new BradleyTerryLabeler(BradleyTerryLabelerTest::length, 0.5, 11);
    int n = 20_000;
    int longerWins = 0;
    for (int i = 0; i < n; i++) {
      // A different item each time (the score ignores the prompt): each draw is its own.
      Ranking r = rater.rank("p" + i, List.of("aaa", "bb"));
      if (r.ranks().get(0) == 1) {
        longerWins++;
      }
    }
    double p = 1 / (1 + Math.exp(-2));
    double sd = Math.sqrt(p * (1 - p) / n);
    assertThat((double) longerWins / n).isCloseTo(p, org.assertj.core.data.Offset.offset(5 * sd));
  }

  @Test
  void fullOrderFollowsPlackettLuce() {
    // Scores 2, 1, 0 at τ = 1: P(order a > b > c) = e²/(e²+e+1) · e/(e+1) = 0.4763...
    BradleyTerryLabeler rater = new BradleyTerryLabeler(BradleyTerryLabelerTest::length, 1.0, 5);
    int n = 20_000;
    int exact = 0;
    int cFirst = 0;
    for (int i = 0; i < n; i++) {
      List<Integer> ranks = rater.rank("p" + i, List.of("aa", "b", "")).ranks();
      if (ranks.equals(List.of(1, 2, 3))) {
        exact++;
      }
      if (ranks.get(2) == 1) {
        cFirst++;
      }
    }
    double e = Math.E;
    double pOrder = e * e / (e * e + e + 1) * (e / (e + 1));
    double pCFirst = 1 / (e * e + e + 1);
    assertThat((double) exact / n)
        .isCloseTo(pOrder, org.assertj.core.data.Offset.offset(5 * Math.sqrt(0.25 / n)));
    assertThat((double) cFirst / n)
        .isCloseTo(pCFirst, org.assertj.core.data.Offset.offset(5 * Math.sqrt(0.25 / n)));
  }

  @Test
  void coldRaterRanksLikeItsScoreAndSeedsRepeat() {
    List<String> responses = List.of("aa", "aaaa", "a", "aaa");
    BradleyTerryLabeler cold = new BradleyTerryLabeler(BradleyTerryLabelerTest::length, 1e-3, 1);
    assertThat(cold.rank("p", responses).ranks()).containsExactly(3, 1, 4, 2);

    BradleyTerryLabeler a = new BradleyTerryLabeler(BradleyTerryLabelerTest::length, 3, 42);
    BradleyTerryLabeler b = new BradleyTerryLabeler(BradleyTerryLabelerTest::length, 3, 42);
    for (int i = 0; i < 20; i++) {
      assertThat(a.rank("p" + i, responses).ranks()).isEqualTo(b.rank("p" + i, responses).ranks());
    }
  }

  @Test
  void anItemsRankingDoesNotDependOnWhatWasRankedBefore() {
    // A resumed run reads round 1's labels from disk and ranks round 2 without ranking round 1
    // again: round 2 must come out as in the uninterrupted run.
    BradleyTerryLabeler straight = new BradleyTerryLabeler(BradleyTerryLabelerTest::length, 3, 7);
    BradleyTerryLabeler resumed = new BradleyTerryLabeler(BradleyTerryLabelerTest::length, 3, 7);
    List<String> responses = List.of("aa", "aaaa", "a", "aaa");
    List<List<Integer>> roundTwo = new java.util.ArrayList<>();
    for (int i = 0; i < 30; i++) {
      straight.rank("round one " + i, responses);
    }
    for (int i = 0; i < 30; i++) {
      roundTwo.add(straight.rank("round two " + i, responses).ranks());
    }
    for (int i = 29; i >= 0; i--) { // another order too
      assertThat(resumed.rank("round two " + i, responses).ranks()).isEqualTo(roundTwo.get(i));
    }
    // Not a constant: the 30 items do not all get the same ranking.
    assertThat(new java.util.HashSet<>(roundTwo)).hasSizeGreaterThan(1);
    // And another seed is another rater.
    BradleyTerryLabeler other = new BradleyTerryLabeler(BradleyTerryLabelerTest::length, 3, 8);
    long same = 0;
    for (int i = 0; i < 30; i++) {
      same += other.rank("round two " + i, responses).ranks().equals(roundTwo.get(i)) ? 1 : 0;
    }
    assertThat(same).isLessThan(30);
  }

  @Test
  void refusesBadInput() {
    assertThatThrownBy(() -> new BradleyTerryLabeler(BradleyTerryLabelerTest::length, 0, 1))
        .hasMessageContaining("temperature");
    BradleyTerryLabeler nan = new BradleyTerryLabeler((p, r) -> Double.NaN, 1, 1);
    assertThatThrownBy(() -> nan.rank("p", List.of("a", "b"))).hasMessageContaining("score");
  }
}
