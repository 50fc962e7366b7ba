package io.rlhf4j.train.dpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DpoObjectiveTest {
  // log π(y_w) = −10, log π(y_l) = −12, both −11 under the reference: h = 1 − (−1) = 2.
  private static final double[] PAIR = {-10, -12, -11, -11};

  private static double loss(DpoObjective o, double[] p) {
    return o.loss(p[0], p[1], p[2], p[3]);
  }

  @Test
  void lossesMatchTheHandWorkedValues() {
    // β h = 0.2: −log σ(0.2) = log(1 + e^−0.2) = 0.598139..., −log σ(−0.2) = 0.798139...
    assertThat(loss(new DpoObjective(0.1, DpoLossType.SIGMOID, 0, 0), PAIR))
        .isCloseTo(Math.log(1 + Math.exp(-0.2)), within(1e-12))
        .isCloseTo(0.598139, within(1e-6));
    assertThat(loss(new DpoObjective(0.1, DpoLossType.SIGMOID, 0.1, 0), PAIR))
        .isCloseTo(0.9 * 0.598139 + 0.1 * 0.798139, within(1e-6));
    // IPO: (2 − 1/(2·0.1))² = 9.
    assertThat(loss(new DpoObjective(0.1, DpoLossType.IPO, 0, 0), PAIR))
        .isCloseTo(9, within(1e-12));
    DpoObjective o = new DpoObjective(0.1, DpoLossType.SIGMOID, 0, 0);
    assertThat(o.reward(-10, -11)).isCloseTo(0.1, within(1e-12));
    assertThat(o.reward(-12, -11)).isCloseTo(-0.1, within(1e-12));
  }

  @Test
  void referenceFreeLossesMatchTheHandWorkedValues() {
    // Mean log-probabilities −1.0 (chosen) and −1.5 (rejected), reference 0 (none is kept).
    // SimPO, β = 2, γ = 0.5: β·0.5 − 0.5 = 0.5, −log σ(0.5) = log(1 + e^−0.5) = 0.474077.
    DpoObjective simpo = new DpoObjective(2, DpoLossType.SIMPO, 0, 0, 0.5);
    assertThat(simpo.loss(-1.0, -1.5, 0, 0)).isCloseTo(0.4740770, within(1e-7));
    // ORPO, λ = 0.1: log odds(−0.5) = −0.5 − log(1 − e^−0.5) = 0.432752, log odds(−1.5) =
    // −1.247518; their gap 1.680270, 0.1·log(1 + e^−1.680270) = 0.0170859.
    DpoObjective orpo = new DpoObjective(0.1, DpoLossType.ORPO, 0, 1);
    assertThat(DpoObjective.logOdds(-0.5)).isCloseTo(0.4327521, within(1e-7));
    assertThat(orpo.loss(-0.5, -1.5, 0, 0)).isCloseTo(0.0170859, within(1e-7));
    assertThat(DpoLossType.SIMPO.referenceFree()).isTrue();
    assertThat(DpoLossType.ORPO.referenceFree()).isTrue();
    assertThat(DpoLossType.SIGMOID.referenceFree()).isFalse();
    assertThatThrownBy(() -> new DpoObjective(0.1, DpoLossType.SIGMOID, 0, 0, 0.5))
        .hasMessageContaining("SimPO");
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    for (DpoObjective o :
        new DpoObjective[] {
          new DpoObjective(0.1, DpoLossType.SIGMOID, 0, 0),
          new DpoObjective(0.5, DpoLossType.SIGMOID, 0.2, 0),
          new DpoObjective(0.1, DpoLossType.IPO, 0, 0),
          new DpoObjective(2, DpoLossType.SIMPO, 0.1, 0, 0.5),
          new DpoObjective(0.1, DpoLossType.ORPO, 0, 1)
        }) {
      double h = 1e-6;
      double[] up = PAIR.clone();
      double[] down = PAIR.clone();
      up[0] += h;
      down[0] -= h;
      double numeric = (loss(o, up) - loss(o, down)) / (2 * h);
      assertThat(o.dLossDChosen(PAIR[0], PAIR[1], PAIR[2], PAIR[3]))
          .as("%s", o)
          .isCloseTo(numeric, within(1e-6));
      up = PAIR.clone();
      down = PAIR.clone();
      up[1] += h;
      down[1] -= h;
      assertThat(o.dLossDRejected(PAIR[0], PAIR[1], PAIR[2], PAIR[3]))
          .as("%s", o)
          .isCloseTo((loss(o, up) - loss(o, down)) / (2 * h), within(1e-6));
    }
  }

  @Test
  void settingsAreChecked() {
    assertThatThrownBy(() -> new DpoObjective(0, DpoLossType.SIGMOID, 0, 0))
        .hasMessageContaining("beta must be > 0");
    assertThatThrownBy(() -> new DpoObjective(0.1, DpoLossType.IPO, 0.1, 0))
        .hasMessageContaining("label smoothing is for sigmoid DPO");
  }
}
