package io.rlhf4j.train.ppo;

/**
 * Per-token estimators of KL(π_RL ‖ π_ref) from a token y sampled from π_RL (Schulman,
 * "Approximating KL divergence", 2020). With log r = log π_ref(y) − log π_RL(y):
 *
 * <ul>
 *   <li>k1 = −log r: unbiased, high variance, can be negative for one token;
 *   <li>k2 = ½ (log r)²: biased, low variance, never negative;
 *   <li>k3 = (r − 1) − log r: unbiased and never negative.
 * </ul>
 */
public enum KlEstimator {
  /** k1 = log π_RL − log π_ref; InstructGPT's penalty. */
  K1 {
    @Override
    public double estimate(double logpPolicy, double logpRef) {
      return logpPolicy - logpRef;
    }
  },
  /** k2 = ½ (log π_ref − log π_RL)². */
  K2 {
    @Override
    public double estimate(double logpPolicy, double logpRef) {
      double logR = logpRef - logpPolicy;
      return 0.5 * logR * logR;
    }
  },
  /** k3 = (π_ref/π_RL − 1) − log(π_ref/π_RL). */
  K3 {
    @Override
    public double estimate(double logpPolicy, double logpRef) {
      double logR = logpRef - logpPolicy;
      return Math.expm1(logR) - logR;
    }
  };

  /** The estimate for one token given its log-probability under the policy and the reference. */
  public abstract double estimate(double logpPolicy, double logpRef);
}
