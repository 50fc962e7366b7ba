package io.rlhf4j.train.rl;

/**
 * CISPO's surrogate (MiniMax-M1, Chen et al. 2025, eq. 4) per token: the importance weight is
 * clipped and held constant, and every token keeps its gradient:
 *
 * <pre>
 *   ρ_t = exp(logπ_θ(y_t) − logπ_old(y_t))
 *   ℓ_t = −sg(clip(ρ_t, 1 − ε_low, 1 + ε_high)) · A_t · logπ_θ(y_t)
 *   ∇ℓ_t = −clip(ρ_t, 1 − ε_low, 1 + ε_high) · A_t · ∇logπ_θ(y_t)
 * </pre>
 *
 * <p>PPO's clip zeroes the gradient of a token whose ratio left the range in the advantage's
 * direction; the paper found those are often the rare "however"/"wait" tokens that reasoning needs,
 * so CISPO bounds the token's weight instead of dropping it. Inside the range the gradient is
 * PPO's. The value of ℓ is a log-likelihood weighted by A, not a ratio: only its gradient means
 * anything. The paper sets no lower bound (ε_low = 1 here allows it: the weight is then clipped at
 * 0, which a ratio never reaches) and tunes ε_high.
 *
 * @param clipLow ε_low, in (0, 1]
 * @param clipHigh ε_high
 */
public record CispoSurrogate(double clipLow, double clipHigh) implements SurrogateLoss {
  /** Validates. */
  public CispoSurrogate {
    RatioClip.check(clipLow, clipHigh);
  }

  /** The clipped weight clip(ρ_t, 1 − ε_low, 1 + ε_high) of one token, constant in ℓ. */
  public double weight(double logp, double logpOld) {
    return RatioClip.clip(Math.exp(logp - logpOld), clipLow, clipHigh);
  }

  @Override
  public double[][] tokenLosses(
      double[][] logp, double[][] logpOld, double[][] advantages, double[][] mask) {
    double[][] out = new double[logp.length][];
    for (int b = 0; b < logp.length; b++) {
      out[b] = new double[logp[b].length];
      for (int t = 0; t < logp[b].length; t++) {
        out[b][t] = -weight(logp[b][t], logpOld[b][t]) * advantages[b][t] * logp[b][t];
      }
    }
    return out;
  }
}
