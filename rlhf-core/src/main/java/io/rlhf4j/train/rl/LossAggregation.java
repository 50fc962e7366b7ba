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

  /** w_{b,t} for a minibatch with this mask (0 at padding). */
  public double[][] weights(double[][] mask) {
    double tokens = Masked.count(mask);
    int rows = mask.length;
    double[][] w = new double[rows][];
    for (int b = 0; b < rows; b++) {
      double length = 0;
      for (double m : mask[b]) {
        length += m;
      }
      w[b] = new double[mask[b].length];
      for (int t = 0; t < mask[b].length; t++) {
        if (mask[b][t] != 0) {
          w[b][t] =
              switch (this) {
                case TOKEN_MEAN -> 1 / tokens;
                case SEQ_MEAN_TOKEN_MEAN -> 1 / (length * rows);
                case SEQ_MEAN_TOKEN_SUM -> 1.0 / rows;
              };
        }
      }
    }
    return w;
  }
}
