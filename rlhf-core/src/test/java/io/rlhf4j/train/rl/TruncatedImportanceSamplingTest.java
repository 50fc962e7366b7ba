package io.rlhf4j.train.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TruncatedImportanceSamplingTest {
  @Test
  void weightsAreTheRatioOfOldToSamplerTruncatedAtTheCap() {
    // Token 0: the sampler gave the token less mass (−1.2 vs old −1.0): w = e^0.2 = 1.221403.
    // Token 1: more (−0.5 vs −0.6): w = e^−0.1 = 0.904837. Token 2: e^3 = 20.09, truncated to 2.
    // Token 3 is padding: 0.
    double[][] old = {{-1.0, -0.6, -1.0, 7}};
    double[][] sampler = {{-1.2, -0.5, -4.0, 0}};
    double[][] mask = {{1, 1, 1, 0}};
    double[][] w = TruncatedImportanceSampling.weights(old, sampler, 2, mask);
    assertThat(w[0][0]).isCloseTo(1.221403, within(1e-6));
    assertThat(w[0][1]).isCloseTo(0.904837, within(1e-6));
    assertThat(w[0][2]).isEqualTo(2);
    assertThat(w[0][3]).isZero();
  }

  @Test
  void aCapBelowOneIsRefused() {
    double[][] x = {{0}};
    assertThatThrownBy(() -> TruncatedImportanceSampling.weights(x, x, 0.5, x))
        .hasMessageContaining("cap");
  }
}
