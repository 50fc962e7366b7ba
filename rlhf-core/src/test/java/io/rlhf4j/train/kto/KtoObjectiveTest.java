package io.rlhf4j.train.kto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.rlhf4j.data.LabeledCompletion;
import io.rlhf4j.data.Ranking;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class KtoObjectiveTest {
  @Test
  void lossesMatchTheHandWorkedValues() {
    // β = 0.1, z₀ = 0.5. Desirable with r = 2: 1 − σ(0.1·1.5) = 1 − σ(0.15) = 0.4625702.
    // Undesirable with r = −1: 1 − σ(0.1·(0.5 + 1)) = the same 0.4625702.
    KtoObjective o = new KtoObjective(0.1, 1, 1);
    assertThat(o.loss(2, true, 0.5)).isCloseTo(0.4625702, within(1e-7));
    assertThat(o.loss(-1, false, 0.5)).isCloseTo(0.4625702, within(1e-7));
    // An undesirable completion the policy made likelier than z₀ costs more than half.
    assertThat(o.loss(3, false, 0.5)).isCloseTo(1 - 1 / (1 + Math.exp(0.25)), within(1e-12));
    // Weights scale each side; the batch loss is the mean.
    KtoObjective weighted = new KtoObjective(0.1, 2, 0.5);
    assertThat(weighted.loss(new double[] {2, -1}, new boolean[] {true, false}, 0.5))
        .isCloseTo((2 * 0.4625702 + 0.5 * 0.4625702) / 2, within(1e-7));
  }

  @Test
  void theReferencePointIsTheMismatchedMeanClampedAtZero() {
    assertThat(KtoObjective.referencePoint(new double[] {0.2, 0.8, -0.1}))
        .isCloseTo(0.3, within(1e-12));
    assertThat(KtoObjective.referencePoint(new double[] {-1, -2})).isZero();
    assertThatThrownBy(() -> new KtoObjective(0, 1, 1)).hasMessageContaining("beta");
  }

  @Test
  void rankingsBecomeUnpairedDataAsTrlTurnsThem() {
    Ranking r =
        new Ranking(
            "p",
            List.of("a", "b", "c"),
            List.of(2, 1, 3),
            OptionalDouble.empty(),
            List.of(false, false, false));
    Ranking tied =
        new Ranking(
            "q", List.of("x", "y"), List.of(1, 1), OptionalDouble.empty(), List.of(false, false));
    assertThat(LabeledCompletion.fromRankings(List.of(r, tied)))
        .containsExactly(
            new LabeledCompletion("p", "b", true), new LabeledCompletion("p", "c", false));
  }
}
