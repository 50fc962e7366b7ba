package io.rlhf4j.train.ppo;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.train.Masked;

/**
 * The per-token reward PPO maximises, InstructGPT eq. (2) spread over the response's tokens:
 *
 * <pre>
 *   R_t = −β · KL_t(π_RL ‖ π_SFT)            for every response token t
 *   R_T += r_θ(x, y)                          at the last response token T
 * </pre>
 *
 * <p>Summed over the episode this is r_θ(x, y) − β log(π_RL(y|x) / π_SFT(y|x)) under k1. Padding
 * positions (mask 0) get 0.
 */
public final class KlPenalizedReward {
  private KlPenalizedReward() {}

  /**
   * @param logp log π_RL(y_t | x, y_{&lt;t}) per response token, [batch][time]
   * @param logpRef log π_SFT(y_t | ...), same shape
   * @param mask 1 for response tokens, 0 for padding; each row needs at least one token
   * @param scores the reward model's score r_θ(x, y) per row
   * @param beta the KL coefficient β ≥ 0
   * @param estimator the per-token KL estimator
   */
  public static double[][] rewards(
      double[][] logp,
      double[][] logpRef,
      double[][] mask,
      double[] scores,
      double beta,
      KlEstimator estimator) {
    Masked.checkShapes(logp, logpRef);
    Masked.checkShapes(logp, mask);
    checkArgument(scores.length == logp.length, "one score per row expected");
    checkArgument(beta >= 0, "beta must be >= 0: %s", beta);
    double[][] rewards = new double[logp.length][];
    for (int b = 0; b < logp.length; b++) {
      rewards[b] = new double[logp[b].length];
      int last = -1;
      for (int t = 0; t < logp[b].length; t++) {
        if (mask[b][t] != 0) {
          rewards[b][t] = -beta * estimator.estimate(logp[b][t], logpRef[b][t]);
          last = t;
        }
      }
      checkArgument(last >= 0, "row %s has no response token", b);
      rewards[b][last] += scores[b];
    }
    return rewards;
  }

  /** The KL of each sequence: the per-token estimates summed over its response tokens. */
  public static double[] sequenceKl(
      double[][] logp, double[][] logpRef, double[][] mask, KlEstimator estimator) {
    Masked.checkShapes(logp, logpRef);
    Masked.checkShapes(logp, mask);
    double[] kl = new double[logp.length];
    for (int b = 0; b < logp.length; b++) {
      for (int t = 0; t < logp[b].length; t++) {
        kl[b] += mask[b][t] * estimator.estimate(logp[b][t], logpRef[b][t]);
      }
    }
    return kl;
  }
}
