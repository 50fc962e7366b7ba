package io.rlhf4j.train.rl;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.train.Masked;
import io.rlhf4j.train.ppo.KlEstimator;

/**
 * The policy loss of the RL trainers, per token
 *
 * <pre>
 *   ρ_t = exp(logπ_θ(y_t) − logπ_old(y_t))
 *   ℓ_t = max(−A_t ρ_t, −A_t clip(ρ_t, 1 − ε_low, 1 + ε_high))      (PPO's clipped surrogate)
 *       + β_kl · k(logπ_θ(y_t), logπ_ref(y_t))                         (KL as a loss term, GRPO)
 *       − c_H · H_t                                                     (entropy bonus)
 * </pre>
 *
 * <p>aggregated by {@link LossAggregation}. ε_high &gt; ε_low is DAPO's clip-higher; β_kl = 0 keeps
 * the KL in the reward instead (InstructGPT). This is the double-precision reference the tensor
 * loss is tested against.
 *
 * @param clipLow ε_low (0.2)
 * @param clipHigh ε_high (0.2; DAPO uses 0.28)
 * @param klCoefficient β_kl of the KL loss term (0: none)
 * @param klEstimator k1, k2 or k3 for that term (GRPO's is k3)
 * @param entropyCoefficient c_H (0: none)
 * @param aggregation how token losses are combined
 */
public record PolicyObjective(
    double clipLow,
    double clipHigh,
    double klCoefficient,
    KlEstimator klEstimator,
    double entropyCoefficient,
    LossAggregation aggregation) {

  /** Validates. */
  public PolicyObjective {
    checkArgument(clipLow > 0 && clipLow < 1, "clipLow must be in (0, 1): %s", clipLow);
    checkArgument(clipHigh > 0, "clipHigh must be > 0: %s", clipHigh);
    checkArgument(klCoefficient >= 0, "klCoefficient must be >= 0: %s", klCoefficient);
    checkArgument(entropyCoefficient >= 0, "entropyCoefficient must be >= 0");
    checkArgument(klEstimator != null && aggregation != null, "klEstimator and aggregation");
  }

  /**
   * The loss over a minibatch, [rows][time] arrays.
   *
   * @param entropy H_t of the policy's distribution at each token (ignored when c_H = 0)
   */
  public double loss(
      double[][] logp,
      double[][] logpOld,
      double[][] logpRef,
      double[][] advantages,
      double[][] entropy,
      double[][] mask) {
    Masked.checkShapes(logp, mask);
    double[][] w = aggregation.weights(mask);
    double total = 0;
    for (int b = 0; b < logp.length; b++) {
      for (int t = 0; t < logp[b].length; t++) {
        if (mask[b][t] == 0) {
          continue;
        }
        double ratio = Math.exp(logp[b][t] - logpOld[b][t]);
        double a = advantages[b][t];
        double clipped = Math.min(Math.max(ratio, 1 - clipLow), 1 + clipHigh);
        double token = Math.max(-a * ratio, -a * clipped);
        if (klCoefficient > 0) {
          token += klCoefficient * klEstimator.estimate(logp[b][t], logpRef[b][t]);
        }
        if (entropyCoefficient > 0) {
          token -= entropyCoefficient * entropy[b][t];
        }
        total += w[b][t] * token;
      }
    }
    return total;
  }
}
