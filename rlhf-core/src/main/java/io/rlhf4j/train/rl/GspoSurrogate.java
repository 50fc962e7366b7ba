package io.rlhf4j.train.rl;

/**
 * GSPO (Zheng et al. 2025, "Group Sequence Policy Optimization"): one importance ratio per
 * sequence, the geometric mean of its token ratios, clipped as PPO clips a token's:
 *
 * <pre>
 *   s_i = exp( (1/|y_i|) Σ_t (logπ_θ(y_i,t) − logπ_old(y_i,t)) )
 *   ℓ_i,t = max(−A_i,t s_i, −A_i,t clip(s_i, 1 − ε_low, 1 + ε_high))
 * </pre>
 *
 * <p>With one advantage per row (ℓ_i,t = ℓ_i) and with {@link LossAggregation#SEQ_MEAN_TOKEN_MEAN}
 * (GSPO's) the loss is the mean over sequences of ℓ_i, the paper's objective, whose gradient is the
 * tensor form's (verl's {@code gspo}: s_i·∇logπ_t per token, s_i detached) when A is the same at
 * every token of a row, as the group estimators make it. Each token reads its own A_t, as verl's
 * does. The paper's ranges are far narrower than PPO's, ε_low = 3e-4, ε_high = 4e-4, since a
 * sequence ratio moves far less than a token ratio.
 *
 * @param clipLow ε_low
 * @param clipHigh ε_high
 */
public record GspoSurrogate(double clipLow, double clipHigh) implements SurrogateLoss {
  /** Validates. */
  public GspoSurrogate {
    RatioClip.check(clipLow, clipHigh);
  }

  @Override
  public double[][] tokenLosses(
      double[][] logp, double[][] logpOld, double[][] advantages, double[][] mask) {
    double[][] out = new double[logp.length][];
    for (int b = 0; b < logp.length; b++) {
      double sum = 0;
      double length = 0;
      for (int t = 0; t < logp[b].length; t++) {
        if (mask[b][t] != 0) {
          sum += logp[b][t] - logpOld[b][t];
          length++;
        }
      }
      out[b] = new double[logp[b].length];
      if (length == 0) {
        continue;
      }
      double s = Math.exp(sum / length);
      double clipped = RatioClip.clip(s, clipLow, clipHigh);
      for (int t = 0; t < logp[b].length; t++) {
        double a = advantages[b][t];
        out[b][t] = mask[b][t] * Math.max(-a * s, -a * clipped);
      }
    }
    return out;
  }
}
