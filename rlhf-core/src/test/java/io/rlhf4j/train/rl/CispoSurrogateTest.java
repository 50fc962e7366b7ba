package io.rlhf4j.train.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CispoSurrogateTest {
  private static final double[][] MASK = {{1, 1, 1}};

  @Test
  void theWeightIsTheRatioClippedAndTheLossWeighsTheLogLikelihood() {
    // Old log-probs −1 everywhere. Token 0: ratio e^0.1 = 1.105171, inside [0, 1.28]: weight
    // 1.105171, ℓ = −1.105171 · 2 · (−0.9) = 1.989308. Token 1: ratio e^0.5 = 1.648721, clipped to
    // 1.28: ℓ = −1.28 · 2 · (−0.5) = 1.28. Token 2: ratio e^−3 = 0.049787, no lower bound (ε_low =
    // 1): ℓ = −0.049787 · 2 · (−4) = 0.398297.
    double[][] logp = {{-0.9, -0.5, -4}};
    double[][] old = {{-1, -1, -1}};
    double[][] adv = {{2, 2, 2}};
    CispoSurrogate cispo = new CispoSurrogate(1, 0.28);
    double[][] token = cispo.tokenLosses(logp, old, adv, MASK);
    assertThat(token[0][0]).isCloseTo(1.989308, within(1e-6));
    assertThat(token[0][1]).isCloseTo(1.28, within(1e-12));
    assertThat(token[0][2]).isCloseTo(0.398297, within(1e-6));
    assertThat(cispo.weight(-4, -1)).isCloseTo(Math.exp(-3), within(1e-15));
  }

  @Test
  void aLowerBoundClipsFromBelowToo() {
    // ε_low 0.2: e^−3 is lifted to 0.8.
    assertThat(new CispoSurrogate(0.2, 0.28).weight(-4, -1)).isEqualTo(0.8);
  }

  @Test
  void refusesAnEmptyRange() {
    assertThatThrownBy(() -> new CispoSurrogate(1.5, 0.2)).hasMessageContaining("clipLow");
    assertThatThrownBy(() -> new CispoSurrogate(0.2, 0)).hasMessageContaining("clipHigh");
  }
}
