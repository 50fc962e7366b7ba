package io.rlhf4j.train.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rlhf4j.train.ppo.KlEstimator;
import io.rlhf4j.train.ppo.PpoLoss;
import org.junit.jupiter.api.Test;

class PolicyObjectiveTest {
  private static double[][] one(double x) {
    return new double[][] {{x}};
  }

  private static double single(PolicyObjective o, double ratio, double advantage) {
    return o.loss(one(Math.log(ratio)), one(0), one(0), one(advantage), one(0), one(1));
  }

  @Test
  void clipHigherWidensOnlyTheUpperSide() {
    PolicyObjective symmetric =
        new PolicyObjective(0.2, 0.2, 0, KlEstimator.K1, 0, LossAggregation.TOKEN_MEAN);
    PolicyObjective dapo =
        new PolicyObjective(0.2, 0.28, 0, KlEstimator.K1, 0, LossAggregation.TOKEN_MEAN);
    // ρ = 1.5, A = 1: max(−1.5, −clip) = −1.2, or −1.28 with ε_high = 0.28.
    assertThat(single(symmetric, 1.5, 1)).isCloseTo(-1.2, within(1e-12));
    assertThat(single(dapo, 1.5, 1)).isCloseTo(-1.28, within(1e-12));
    // ρ = 0.5, A = −1: max(0.5, 0.8) = 0.8 either way.
    assertThat(single(symmetric, 0.5, -1)).isCloseTo(0.8, within(1e-12));
    assertThat(single(dapo, 0.5, -1)).isCloseTo(0.8, within(1e-12));
  }

  @Test
  void klAndEntropyTermsAddAsWritten() {
    // ρ = 1, A = 0: only the extra terms. log π − log π_ref = ln 2, so k3 = 0.5 + ln 2 − 1.
    PolicyObjective o =
        new PolicyObjective(0.2, 0.2, 0.1, KlEstimator.K3, 0.01, LossAggregation.TOKEN_MEAN);
    double loss = o.loss(one(Math.log(2)), one(Math.log(2)), one(0), one(0), one(2.0), one(1));
    assertThat(loss).isCloseTo(0.1 * (0.5 + Math.log(2) - 1) - 0.01 * 2, within(1e-12));
  }

  @Test
  void withDefaultsItIsPposTokenMeanSurrogate() {
    double[][] logp = {{-1.0, -0.5, 0}, {-2.0, 0, 0}};
    double[][] old = {{-1.2, -0.4, 0}, {-1.5, 0, 0}};
    double[][] adv = {{0.7, -0.3, 0}, {1.1, 0, 0}};
    double[][] mask = {{1, 1, 0}, {1, 0, 0}};
    PolicyObjective o =
        new PolicyObjective(0.2, 0.2, 0, KlEstimator.K1, 0, LossAggregation.TOKEN_MEAN);
    assertThat(o.loss(logp, old, logp, adv, new double[2][3], mask))
        .isCloseTo(PpoLoss.policyLoss(logp, old, adv, mask, 0.2), within(1e-12));
  }

  @Test
  void aggregationWeighsTokensSequencesOrSums() {
    double[][] mask = {{1, 0, 0}, {1, 1, 1}};
    assertThat(LossAggregation.TOKEN_MEAN.weights(mask)[0][0]).isEqualTo(0.25);
    assertThat(LossAggregation.TOKEN_MEAN.weights(mask)[1][2]).isEqualTo(0.25);
    assertThat(LossAggregation.SEQ_MEAN_TOKEN_MEAN.weights(mask)[0][0]).isEqualTo(0.5);
    assertThat(LossAggregation.SEQ_MEAN_TOKEN_MEAN.weights(mask)[1][1])
        .isCloseTo(1.0 / 6, within(1e-15));
    assertThat(LossAggregation.SEQ_MEAN_TOKEN_SUM.weights(mask)[1][1]).isEqualTo(0.5);
    assertThat(LossAggregation.SEQ_MEAN_TOKEN_SUM.weights(mask)[0][1]).isZero();
  }

  @Test
  void theOneReductionIgnoresPaddingWhateverItHolds() {
    double[][] mask = {{1, 0, 0}, {1, 1, 1}};
    double[][] loss = {{2, Double.NaN, 1e9}, {1, 2, 3}};
    // Token mean (2 + 1 + 2 + 3) / 4; sequence mean of token means (2 + 2) / 2; of sums (2 + 6) /
    // 2.
    assertThat(LossAggregation.TOKEN_MEAN.aggregate(loss, mask)).isCloseTo(2, within(1e-12));
    assertThat(LossAggregation.SEQ_MEAN_TOKEN_MEAN.aggregate(loss, mask))
        .isCloseTo(2, within(1e-12));
    assertThat(LossAggregation.SEQ_MEAN_TOKEN_SUM.aggregate(loss, mask))
        .isCloseTo(4, within(1e-12));
  }
}
