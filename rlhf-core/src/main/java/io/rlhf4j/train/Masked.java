package io.rlhf4j.train;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Statistics over the valid entries of a padded [batch][time] array, where {@code mask} is 1 for a
 * real token and 0 for padding. Token-level, as in TRL and OpenRLHF: every valid token of the batch
 * counts once, so long responses weigh more than short ones.
 */
public final class Masked {
  private Masked() {}

  /** Σ mask. */
  public static double count(double[][] mask) {
    double n = 0;
    for (double[] row : mask) {
      for (double m : row) {
        checkArgument(m == 0 || m == 1, "mask entries must be 0 or 1, got %s", m);
        n += m;
      }
    }
    return n;
  }

  /** Σ x·mask / Σ mask. */
  public static double mean(double[][] x, double[][] mask) {
    checkShapes(x, mask);
    double sum = 0;
    for (int b = 0; b < x.length; b++) {
      for (int t = 0; t < x[b].length; t++) {
        sum += x[b][t] * mask[b][t];
      }
    }
    double n = count(mask);
    checkArgument(n > 0, "mask selects no entries");
    return sum / n;
  }

  /**
   * Variance of the masked entries. With {@code unbiased} the sum of squares is divided by n - 1
   * (Bessel), which is what TRL's {@code masked_var} does by default.
   */
  public static double variance(double[][] x, double[][] mask, boolean unbiased) {
    double mean = mean(x, mask);
    double n = count(mask);
    double ss = 0;
    for (int b = 0; b < x.length; b++) {
      for (int t = 0; t < x[b].length; t++) {
        double d = x[b][t] - mean;
        ss += d * d * mask[b][t];
      }
    }
    if (unbiased) {
      checkArgument(n > 1, "unbiased variance needs at least two entries");
      return ss / (n - 1);
    }
    return ss / n;
  }

  /** Checks that two arrays have the same ragged shape. */
  public static void checkShapes(double[][] a, double[][] b) {
    checkArgument(a.length == b.length, "batch sizes differ: %s vs %s", a.length, b.length);
    for (int i = 0; i < a.length; i++) {
      checkArgument(
          a[i].length == b[i].length,
          "row %s lengths differ: %s vs %s",
          i,
          a[i].length,
          b[i].length);
    }
  }
}
