package com.example.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rlhf4j.train.rl.AdvantageEstimator;
import io.rlhf4j.train.rl.AdvantageEstimators;
import io.rlhf4j.train.rl.Advantages;
import io.rlhf4j.train.rl.EstimatorInput;
import io.rlhf4j.train.rl.EstimatorSettings;
import org.junit.jupiter.api.Test;

/**
 * A caller's own estimator, written outside the library's packages: one class, one registration,
 * then found by name like the built-in ones.
 */
class UserEstimatorTest {
  /** Advantage = score minus a fixed baseline, at every response token. */
  record FixedBaseline(double baseline) implements AdvantageEstimator {
    @Override
    public Advantages estimate(EstimatorInput in) {
      double[] a = in.scores().clone();
      for (int i = 0; i < a.length; i++) {
        a[i] -= baseline;
      }
      return new Advantages(in.broadcast(a), null);
    }
  }

  @Test
  void aRegisteredEstimatorIsFoundByNameAndUsed() {
    AdvantageEstimators.register("fixed-baseline-test", s -> new FixedBaseline(0.5));
    assertThat(AdvantageEstimators.names()).contains("fixed_baseline_test");
    AdvantageEstimator e =
        AdvantageEstimators.create("FIXED_BASELINE_TEST", EstimatorSettings.defaults());
    EstimatorInput in =
        new EstimatorInput(
            new double[] {2, 0},
            new double[2][2],
            new double[][] {{1, 1}, {1, 0}},
            new int[2],
            null);
    Advantages a = e.estimate(in);
    assertThat(a.advantages()[0][1]).isCloseTo(1.5, within(1e-12));
    assertThat(a.advantages()[1][0]).isCloseTo(-0.5, within(1e-12));
    assertThat(a.advantages()[1][1]).isZero();
  }
}
