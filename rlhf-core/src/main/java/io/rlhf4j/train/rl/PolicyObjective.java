package io.rlhf4j.train.rl;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.train.Masked;
import io.rlhf4j.train.ppo.KlEstimator;

/**
 * The policy loss of the RL trainers, per token
 *
 * <pre>
 *   ℓ_t = surrogate_t(logπ_θ, logπ_old, A)                    (PPO's clipped surrogate, GSPO's...)
 *       + β_kl · k(logπ_θ(y_t), logπ_ref(y_t))                 (KL as a loss term, GRPO)
 *       − c_H · H_t                                             (entropy bonus)
 * </pre>
 *
 * <p>reduced once by {@link LossAggregation#aggregate}. β_kl = 0 keeps the KL in the reward instead
 * (InstructGPT). This is the double-precision reference the tensor loss is tested against.
 *
 * @param surrogate the policy-gradient term ({@link ClippedSurrogate} for PPO)
 * @param klCoefficient β_kl of the KL loss term (0: none)
 * @param klEstimator k1, k2 or k3 for that term (GRPO's is k3)
 * @param entropyCoefficient c_H (0: none)
 * @param aggregation how token losses are combined
 */
public record PolicyObjective(
    SurrogateLoss surrogate,
    double klCoefficient,
    KlEstimator klEstimator,
    double entropyCoefficient,
    LossAggregation aggregation) {

  /** Validates. */
  public PolicyObjective {
    checkArgument(surrogate != null, "surrogate");
    checkArgument(klCoefficient >= 0, "klCoefficient must be >= 0: %s", klCoefficient);
    checkArgument(entropyCoefficient >= 0, "entropyCoefficient must be >= 0");
    checkArgument(klEstimator != null && aggregation != null, "klEstimator and aggregation");
  }

  /** PPO's clipped surrogate with ratio range [1 − clipLow, 1 + clipHigh] and the other terms. */
  public PolicyObjective(
      double clipLow,
      double clipHigh,
      double klCoefficient,
      KlEstimator klEstimator,
      double entropyCoefficient,
      LossAggregation aggregation) {
    this(
        new ClippedSurrogate(clipLow, clipHigh),
        klCoefficient,
        klEstimator,
        entropyCoefficient,
        aggregation);
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
    double[][] token = surrogate.tokenLosses(logp, logpOld, advantages, mask);
    for (int b = 0; b < logp.length; b++) {
      for (int t = 0; t < logp[b].length; t++) {
        if (klCoefficient > 0) {
          token[b][t] += klCoefficient * klEstimator.estimate(logp[b][t], logpRef[b][t]);
        }
        if (entropyCoefficient > 0) {
          token[b][t] -= entropyCoefficient * entropy[b][t];
        }
      }
    }
    return aggregation.aggregate(token, mask);
  }
}
