package io.rlhf4j.train.ppo;

import io.rlhf4j.train.Masked;

/**
 * Advantage whitening: (A − mean) / sqrt(var + 1e-8) over the valid tokens of the batch, with the
 * unbiased variance as in TRL's {@code masked_whiten}. Without {@code shiftMean} the mean is added
 * back, rescaling only. Padding stays 0.
 */
public final class Whitening {
  /** Added to the variance so a constant batch does not divide by zero. */
  public static final double EPSILON = 1e-8;

  private Whitening() {}

  /** The whitened copy of {@code x}. */
  public static double[][] whiten(double[][] x, double[][] mask, boolean shiftMean) {
    double mean = Masked.mean(x, mask);
    double scale = 1 / Math.sqrt(Masked.variance(x, mask, true) + EPSILON);
    double[][] out = new double[x.length][];
    for (int b = 0; b < x.length; b++) {
      out[b] = new double[x[b].length];
      for (int t = 0; t < x[b].length; t++) {
        if (mask[b][t] != 0) {
          out[b][t] = (x[b][t] - mean) * scale + (shiftMean ? 0 : mean);
        }
      }
    }
    return out;
  }
}
