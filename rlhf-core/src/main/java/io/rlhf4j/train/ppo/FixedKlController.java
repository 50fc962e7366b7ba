package io.rlhf4j.train.ppo;

import static com.google.common.base.Preconditions.checkArgument;

/** A constant β, as InstructGPT used (β = 0.02 there; rlhf4j's PPO default is 0.05). */
public final class FixedKlController implements KlController {
  private final double beta;

  /** A controller that always answers {@code beta}. */
  public FixedKlController(double beta) {
    checkArgument(beta >= 0 && Double.isFinite(beta), "beta must be >= 0: %s", beta);
    this.beta = beta;
  }

  @Override
  public double beta() {
    return beta;
  }

  @Override
  public void update(double observedKl, long nSteps) {
    // Fixed by definition.
  }

  /** Nothing to restore: a fixed β is configuration, not state. */
  @Override
  public void restore(double savedBeta) {}
}
