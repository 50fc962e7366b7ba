package io.rlhf4j.train.rl;

import io.rlhf4j.train.Masked;

/**
 * How per-token losses ℓ_{b,t} become one number, as per-token weights w so that loss = Σ w·ℓ. The
 * weights are computed once for a whole minibatch, so micro-batches of it add up to exactly the
 * same loss and gradient.
 */
public enum LossAggregation {
  /** Σ ℓ / Σ mask: every token of the minibatch counts the same (PPO, OpenRLHF's default). */
  TOKEN_MEAN,
  /** mean over sequences of each one's token mean (GRPO as published: long answers count less). */
  SEQ_MEAN_TOKEN_MEAN,
  /** mean over sequences of each one's token sum (Dr. GRPO: no length normalisation). */
  SEQ_MEAN_TOKEN_SUM;

  /**
   * The one reduction of per-token losses: Σ_{b,t} w_{b,t}·ℓ_{b,t} with this aggregation's weights
   * for {@code mask}; padding never counts, whatever ℓ holds there.
   */
  public double aggregate(double[][] tokenLosses, double[][] mask) {
    Masked.checkShapes(tokenLosses, mask);
    double[][] w = weights(mask);
    double total = 0;
    for (int b = 0; b < mask.length; b++) {
      for (int t = 0; t < mask[b].length; t++) {
        if (mask[b][t] != 0) {
          total += w[b][t] * tokenLosses[b][t];
        }
      }
    }
    return total;
  }

  /** w_{b,t} = mask·rowFactor / denominator for a minibatch with this mask (0 at padding). */
  public double[][] weights(double[][] mask) {
    double denominator = denominator(mask);
    double[][] w = new double[mask.length][];
    for (int b = 0; b < mask.length; b++) {
      double factor = rowFactor(mask[b]);
      w[b] = new double[mask[b].length];
      for (int t = 0; t < mask[b].length; t++) {
        w[b][t] = mask[b][t] * factor / denominator;
      }
    }
    return w;
  }

  /** The factor on each token of a row with this mask row: 1, or 1 / its length. */
  public double rowFactor(double[] maskRow) {
    if (this != SEQ_MEAN_TOKEN_MEAN) {
      return 1;
    }
    double length = 0;
    for (double m : maskRow) {
      length += m;
    }
    return 1 / length;
  }

  /** What the weighted sum is divided by: the minibatch's tokens, or its sequences. */
  public double denominator(double[][] mask) {
    return this == TOKEN_MEAN ? Masked.count(mask) : mask.length;
  }
}
