package io.rlhf4j.train.rl;

/**
 * PPO's clipped surrogate (Schulman et al. 2017, eq. 7) per token, with DAPO's asymmetric range:
 *
 * <pre>
 *   ρ_t = exp(logπ_θ(y_t) − logπ_old(y_t))
 *   ℓ_t = max(−A_t ρ_t, −A_t clip(ρ_t, 1 − ε_low, 1 + ε_high))
 * </pre>
 *
 * @param clipLow ε_low (0.2)
 * @param clipHigh ε_high (0.2; DAPO's clip-higher 0.28)
 */
public record ClippedSurrogate(double clipLow, double clipHigh) implements SurrogateLoss {
  /** Validates. */
  public ClippedSurrogate {
    RatioClip.check(clipLow, clipHigh);
  }

  @Override
  public double[][] tokenLosses(
      double[][] logp, double[][] logpOld, double[][] advantages, double[][] mask) {
    double[][] out = new double[logp.length][];
    for (int b = 0; b < logp.length; b++) {
      out[b] = new double[logp[b].length];
      for (int t = 0; t < logp[b].length; t++) {
        double ratio = Math.exp(logp[b][t] - logpOld[b][t]);
        double clipped = RatioClip.clip(ratio, clipLow, clipHigh);
        out[b][t] = Math.max(-advantages[b][t] * ratio, -advantages[b][t] * clipped);
      }
    }
    return out;
  }
}
