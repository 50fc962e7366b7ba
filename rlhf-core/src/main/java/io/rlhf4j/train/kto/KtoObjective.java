package io.rlhf4j.train.kto;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.train.LogSigmoid;

/**
 * KTO (Ethayarajh et al. 2024) as TRL's KTOTrainer computes it: each completion judged alone, its
 * log-ratio to the reference r = log π(y|x) − log π_ref(y|x) compared with a reference point z₀,
 *
 * <pre>
 *   z₀ = max(0, mean_j (log π(y'_j|x_j) − log π_ref(y'_j|x_j)))   over mismatched pairs, constant
 *   ℓ = λ_D (1 − σ(β (r − z₀)))   for a desirable completion
 *   ℓ = λ_U (1 − σ(β (z₀ − r)))   for an undesirable one
 * </pre>
 *
 * <p>averaged over the batch's completions. z₀ estimates KL(π ‖ π_ref) from completions paired with
 * another example's prompt (TRL shifts them by one within the batch), so it sees no gradient. Log-
 * probabilities are sums over the completion's tokens.
 *
 * @param beta β (0.1, TRL's)
 * @param desirableWeight λ_D (1)
 * @param undesirableWeight λ_U (1)
 */
public record KtoObjective(double beta, double desirableWeight, double undesirableWeight) {
  /** Validates. */
  public KtoObjective {
    checkArgument(beta > 0 && Double.isFinite(beta), "beta must be > 0: %s", beta);
    checkArgument(desirableWeight > 0 && undesirableWeight > 0, "weights must be > 0");
  }

  /** z₀ from the log-ratios of the mismatched pairs. */
  public static double referencePoint(double[] mismatchedLogRatios) {
    double sum = 0;
    for (double r : mismatchedLogRatios) {
      sum += r;
    }
    return Math.max(0, sum / mismatchedLogRatios.length);
  }

  /** ℓ of one completion with log-ratio r. */
  public double loss(double logRatio, boolean desirable, double z0) {
    return desirable
        ? desirableWeight * (1 - sigmoid(beta * (logRatio - z0)))
        : undesirableWeight * (1 - sigmoid(beta * (z0 - logRatio)));
  }

  /** The mean of ℓ over a batch. */
  public double loss(double[] logRatios, boolean[] desirable, double z0) {
    double total = 0;
    for (int i = 0; i < logRatios.length; i++) {
      total += loss(logRatios[i], desirable[i], z0);
    }
    return total / logRatios.length;
  }

  private static double sigmoid(double x) {
    return LogSigmoid.sigmoid(x);
  }
}
