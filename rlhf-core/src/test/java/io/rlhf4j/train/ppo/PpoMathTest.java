package io.rlhf4j.train.ppo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The PPO reference functions against values worked out by hand in the comments. */
class PpoMathTest {
  private static final double E = 1e-12;

  @Test
  void klEstimators() {
    // log π = -1, log π_ref = -2: log r = -1, r = e^-1.
    assertThat(KlEstimator.K1.estimate(-1, -2)).isCloseTo(1.0, within(E));
    assertThat(KlEstimator.K2.estimate(-1, -2)).isCloseTo(0.5, within(E));
    // k3 = (e^-1 - 1) + 1 = e^-1 = 0.36787944117144233
    assertThat(KlEstimator.K3.estimate(-1, -2)).isCloseTo(0.36787944117144233, within(E));
    // Identical distributions: every estimator is 0.
    for (KlEstimator k : KlEstimator.values()) {
      assertThat(k.estimate(-0.3, -0.3)).isZero();
    }
    // k3 is never negative even where k1 is.
    assertThat(KlEstimator.K1.estimate(-2, -1)).isNegative();
    assertThat(KlEstimator.K3.estimate(-2, -1)).isPositive();
  }

  @Test
  void klPenalisedRewardAddsScoreAtLastToken() {
    double[][] logp = {{-1, -2, -0.5, 0}, {-1, -1, 0, 0}};
    double[][] ref = {{-1.5, -1, -0.5, 0}, {-2, -3, 0, 0}};
    double[][] mask = {{1, 1, 1, 0}, {1, 1, 0, 0}};
    double[][] r =
        KlPenalizedReward.rewards(logp, ref, mask, new double[] {2, -1}, 0.1, KlEstimator.K1);
    // Row 0: k1 = 0.5, -1, 0 -> -0.05, 0.1, 0 + score 2 at t=2; padding 0.
    assertThat(r[0]).containsExactly(new double[] {-0.05, 0.1, 2.0, 0}, within(E));
    // Row 1: k1 = 1, 2 -> -0.1, -0.2 + score -1 at t=1.
    assertThat(r[1]).containsExactly(new double[] {-0.1, -1.2, 0, 0}, within(E));
    double[] kl = KlPenalizedReward.sequenceKl(logp, ref, mask, KlEstimator.K1);
    assertThat(kl).containsExactly(new double[] {-0.5, 3.0}, within(E));
  }

  @Test
  void fixedControllerNeverMoves() {
    KlController c = new FixedKlController(0.05);
    c.update(100, 64);
    assertThat(c.beta()).isEqualTo(0.05);
  }

  @Test
  void adaptiveControllerFollowsZieglerUpdate() {
    AdaptiveKlController c = new AdaptiveKlController(0.1, 6, 10000);
    // KL 6.6: error 0.1, step 256/10000 -> beta 0.1 * (1 + 0.1 * 0.0256) = 0.100256
    c.update(6.6, 256);
    assertThat(c.beta()).isCloseTo(0.100256, within(E));
    // KL 60: error clipped to +0.2 -> * (1 + 0.2 * 0.0256) = * 1.00512
    c.update(60, 256);
    assertThat(c.beta()).isCloseTo(0.100256 * 1.00512, within(E));
    // KL 0: error clipped to -0.2 -> * 0.99488
    c.update(0, 256);
    assertThat(c.beta()).isCloseTo(0.100256 * 1.00512 * 0.99488, within(E));
  }

  @Test
  void gaeByHand() {
    // rewards 0, 0, 1; values 0.5, 0.6, 0.7; gamma 1, lambda 0.95
    // t2: delta = 1 - 0.7 = 0.3, A = 0.3
    // t1: delta = 0.7 - 0.6 = 0.1, A = 0.1 + 0.95 * 0.3 = 0.385
    // t0: delta = 0.6 - 0.5 = 0.1, A = 0.1 + 0.95 * 0.385 = 0.46575
    Gae.Result g =
        Gae.compute(
            new double[][] {{0, 0, 1, 9}},
            new double[][] {{0.5, 0.6, 0.7, 9}},
            new double[][] {{1, 1, 1, 0}},
            1.0,
            0.95);
    assertThat(g.advantages()[0]).containsExactly(new double[] {0.46575, 0.385, 0.3, 0}, within(E));
    assertThat(g.returns()[0]).containsExactly(new double[] {0.96575, 0.985, 1.0, 0}, within(E));
  }

  @Test
  void gaeWithLambdaOneIsMonteCarloReturnMinusValue() {
    double[][] rewards = {{0.2, -0.1, 0.4, 1.5}};
    double[][] values = {{0.3, 0.1, -0.2, 0.9}};
    double[][] mask = {{1, 1, 1, 1}};
    double gamma = 0.9;
    Gae.Result g = Gae.compute(rewards, values, mask, gamma, 1.0);
    for (int t = 0; t < 4; t++) {
      double discounted = 0;
      for (int u = 3; u >= t; u--) {
        discounted = rewards[0][u] + gamma * discounted;
      }
      assertThat(g.returns()[0][t]).isCloseTo(discounted, within(E));
    }
  }

  @Test
  void whiteningUsesUnbiasedVariance() {
    double[][] w =
        Whitening.whiten(new double[][] {{1, 2, 3, 100}}, new double[][] {{1, 1, 1, 0}}, true);
    double s = 1 / Math.sqrt(1 + Whitening.EPSILON); // mean 2, unbiased variance 1
    assertThat(w[0]).containsExactly(new double[] {-s, 0, s, 0}, within(E));
    double[][] noShift =
        Whitening.whiten(new double[][] {{1, 2, 3}}, new double[][] {{1, 1, 1}}, false);
    assertThat(noShift[0]).containsExactly(new double[] {2 - s, 2, 2 + s}, within(E));
  }

  @Test
  void clippedSurrogateByHand() {
    double clip = 0.2;
    // A = +1, ratio 1.5: min(1.5, 1.2) = 1.2 -> loss -1.2
    assertThat(one(Math.log(1.5), 1, clip)).isCloseTo(-1.2, within(E));
    // A = -1, ratio 0.5: min(-0.5, -0.8) = -0.8 -> loss 0.8
    assertThat(one(Math.log(0.5), -1, clip)).isCloseTo(0.8, within(E));
    // A = +1, ratio 0.5: min(0.5, 0.8) = 0.5 -> loss -0.5 (no clipping benefit for bad moves)
    assertThat(one(Math.log(0.5), 1, clip)).isCloseTo(-0.5, within(E));
    // Token mean over two valid tokens, padding ignored: (-1.2 + 0.8) / 2
    double both =
        PpoLoss.policyLoss(
            new double[][] {{Math.log(1.5), Math.log(0.5), 50}},
            new double[][] {{0, 0, 0}},
            new double[][] {{1, -1, 1}},
            new double[][] {{1, 1, 0}},
            clip);
    assertThat(both).isCloseTo(-0.2, within(E));
  }

  private static double one(double logRatio, double advantage, double clip) {
    return PpoLoss.policyLoss(
        new double[][] {{logRatio}},
        new double[][] {{0}},
        new double[][] {{advantage}},
        new double[][] {{1}},
        clip);
  }

  @Test
  void clippedValueLossByHand() {
    // vNew 1.0, vOld 0.5, G 0: clipped 0.7; max(1.0, 0.49) = 1.0 -> 0.5
    assertThat(value(1.0, 0.5, 0.0)).isCloseTo(0.5, within(E));
    // vNew 1.0, vOld 0.5, G 1.2: clipped 0.7; max(0.04, 0.25) = 0.25 -> 0.125
    assertThat(value(1.0, 0.5, 1.2)).isCloseTo(0.125, within(E));
  }

  private static double value(double vNew, double vOld, double ret) {
    return PpoLoss.valueLoss(
        new double[][] {{vNew}},
        new double[][] {{vOld}},
        new double[][] {{ret}},
        new double[][] {{1}},
        0.2);
  }

  @Test
  void diagnosticsByHand() {
    double[][] mask = {{1, 1, 0}};
    double[][] oldLp = {{0, 0, 0}};
    double[][] newLp = {{Math.log(1.5), Math.log(1.1), 9}};
    // k3: (0.5 - ln 1.5) and (0.1 - ln 1.1), mean
    double expected = ((0.5 - Math.log(1.5)) + (0.1 - Math.log(1.1))) / 2;
    assertThat(PpoDiagnostics.approxKl(newLp, oldLp, mask)).isCloseTo(expected, within(E));
    assertThat(PpoDiagnostics.clipFraction(newLp, oldLp, mask, 0.2)).isEqualTo(0.5);
    // Clip-higher: ratios 1.5, 0.75, 1.25, 1.1 against [0.8, 1.28] leave at 1.5 and 0.75 only;
    // the symmetric ε = 0.2 also clips 1.25.
    double[][] ratios = {{Math.log(1.5), Math.log(0.75), Math.log(1.25), Math.log(1.1)}};
    double[][] zeros = {{0, 0, 0, 0}};
    double[][] all = {{1, 1, 1, 1}};
    assertThat(PpoDiagnostics.clipFraction(ratios, zeros, all, 0.2, 0.28)).isEqualTo(0.5);
    assertThat(PpoDiagnostics.clipFraction(ratios, zeros, all, 0.2)).isEqualTo(0.75);
    assertThat(
            PpoDiagnostics.valueClipFraction(
                new double[][] {{1, 0.1, 5}}, new double[][] {{0, 0, 0}}, mask, 0.2))
        .isEqualTo(0.5);
  }

  @Test
  void explainedVariance() {
    double[][] mask = {{1, 1, 1, 1}};
    double[][] returns = {{1, 2, 3, 4}};
    assertThat(PpoDiagnostics.explainedVariance(returns, returns, mask)).isEqualTo(1.0);
    // A constant prediction at the mean explains nothing.
    assertThat(
            PpoDiagnostics.explainedVariance(new double[][] {{2.5, 2.5, 2.5, 2.5}}, returns, mask))
        .isCloseTo(0.0, within(E));
    // Residuals 1, 0, 0, -1 (var 0.5) against var(returns) 1.25 -> 0.6
    assertThat(PpoDiagnostics.explainedVariance(new double[][] {{0, 2, 3, 5}}, returns, mask))
        .isCloseTo(0.6, within(E));
    assertThat(PpoDiagnostics.explainedVariance(returns, new double[][] {{1, 1, 1, 1}}, mask))
        .isNaN();
  }

  @Test
  void entropyOfKnownDistributions() {
    assertThat(PpoDiagnostics.entropy(new double[] {3, 3, 3, 3})).isCloseTo(Math.log(4), within(E));
    // p = (0.5, 0.25, 0.25) from logits log p: H = 1.5 ln 2
    assertThat(PpoDiagnostics.entropy(new double[] {Math.log(0.5), Math.log(0.25), Math.log(0.25)}))
        .isCloseTo(1.5 * Math.log(2), within(E));
    assertThat(PpoDiagnostics.entropy(new double[] {1000, 0, 0})).isCloseTo(0, within(1e-9));
  }

  @Test
  void ptxLossIsNegatedScaledTokenMean() {
    double loss =
        PtxLoss.loss(new double[][] {{-1, -3}, {-2, 0}}, new double[][] {{1, 1}, {1, 0}}, 27.8);
    assertThat(loss).isCloseTo(27.8 * 2, within(E));
    assertThatThrownBy(() -> PtxLoss.loss(new double[][] {{-1}}, new double[][] {{1}}, -1))
        .hasMessageContaining("gamma");
  }
}
