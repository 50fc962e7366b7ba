package io.rlhf4j.train.rl;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.train.Masked;

/**
 * Truncated importance sampling (Yao et al. 2025, "Your efficient RL framework secretly brings you
 * off-policy RL training"; verl's {@code tis_imp_ratio_cap}, TRL's {@code
 * vllm_importance_sampling_cap}): the tokens were drawn by the sampler, whose log-probabilities (a
 * decode with cached keys and values, another process's copy of the weights, another precision)
 * differ from the trainer's recomputed π_old, so the policy-gradient term of each token is
 * multiplied by the constant weight
 *
 * <pre>
 *   w_t = min(exp(logπ_old(y_t) − logπ_sampler(y_t)), C)
 * </pre>
 *
 * <p>which corrects the expectation towards π_old, truncated at C to bound the variance. The KL and
 * entropy terms are not weighted (verl and TRL weight only the policy-gradient loss).
 */
public final class TruncatedImportanceSampling {
  private TruncatedImportanceSampling() {}

  /**
   * w_t for every token, [rows][time]; 0 at padding.
   *
   * @param logpOld log π_old of the sampled tokens, recomputed by the trainer
   * @param logpSampler log π of the same tokens as the sampler computed them
   * @param cap C, at least 1
   * @param mask 1 on response tokens
   */
  public static double[][] weights(
      double[][] logpOld, double[][] logpSampler, double cap, double[][] mask) {
    checkArgument(cap >= 1, "the truncation cap must be >= 1: %s", cap);
    Masked.checkShapes(logpOld, mask);
    double[][] w = new double[mask.length][];
    for (int b = 0; b < mask.length; b++) {
      w[b] = new double[mask[b].length];
      for (int t = 0; t < mask[b].length; t++) {
        if (mask[b][t] != 0) {
          w[b][t] = Math.min(Math.exp(logpOld[b][t] - logpSampler[b][t]), cap);
        }
      }
    }
    return w;
  }
}
