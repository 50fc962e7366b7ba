package io.rlhf4j.train.rl;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The settings an advantage estimator may read when it is created: each takes what applies to it
 * (GAE all three, REINFORCE++ γ, the group estimators none).
 *
 * @param gamma the discount γ (1 for RLHF)
 * @param lambda GAE's λ (0.95)
 * @param whiten whether GAE whitens its advantages over the batch
 */
public record EstimatorSettings(double gamma, double lambda, boolean whiten) {
  /** Validates. */
  public EstimatorSettings {
    checkArgument(gamma >= 0 && gamma <= 1, "gamma must be in [0, 1]: %s", gamma);
    checkArgument(lambda >= 0 && lambda <= 1, "lambda must be in [0, 1]: %s", lambda);
  }

  /** γ = 1, λ = 0.95, whitened: the defaults of RLHF's PPO. */
  public static EstimatorSettings defaults() {
    return new EstimatorSettings(1, 0.95, true);
  }
}
