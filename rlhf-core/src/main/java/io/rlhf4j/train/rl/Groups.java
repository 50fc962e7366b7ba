package io.rlhf4j.train.rl;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.LinkedHashMap;
import java.util.Map;

/** Per-group means and standard deviations of per-row values. */
final class Groups {
  private Groups() {}

  /** The mean of each row's group, per row. */
  static double[] means(double[] values, int[] groups) {
    Map<Integer, double[]> sums = sums(values, groups);
    double[] out = new double[values.length];
    for (int b = 0; b < values.length; b++) {
      double[] s = sums.get(groups[b]);
      out[b] = s[0] / s[1];
    }
    return out;
  }

  /**
   * The unbiased standard deviation of each row's group (0 for a group of one), per row. Two
   * passes, deviations from the mean first, as torch's std: the one-pass Σx² − n·mean² cancels when
   * the values are large next to their spread (scores 1e5 + {0.001 … 0.004} gave GRPO advantages of
   * ±15 instead of ±1.08).
   */
  static double[] stds(double[] values, int[] groups) {
    double[] mean = means(values, groups);
    Map<Integer, double[]> squares = new LinkedHashMap<>(); // {Σ(x − mean)², n}
    for (int b = 0; b < values.length; b++) {
      double d = values[b] - mean[b];
      double[] s = squares.computeIfAbsent(groups[b], g -> new double[2]);
      s[0] += d * d;
      s[1]++;
    }
    double[] out = new double[values.length];
    for (int b = 0; b < values.length; b++) {
      double[] s = squares.get(groups[b]);
      out[b] = s[1] < 2 ? 0 : Math.sqrt(s[0] / (s[1] - 1));
    }
    return out;
  }

  /** The number of rows in each row's group, per row. */
  static int[] sizes(int[] groups) {
    Map<Integer, Integer> counts = new LinkedHashMap<>();
    for (int g : groups) {
      counts.merge(g, 1, Integer::sum);
    }
    int[] out = new int[groups.length];
    for (int b = 0; b < groups.length; b++) {
      out[b] = counts.get(groups[b]);
    }
    return out;
  }

  /** Refuses a group of fewer than two rows. */
  static void checkPairs(int[] groups, String estimator) {
    for (int size : sizes(groups)) {
      checkArgument(
          size >= 2, "%s compares samples of a prompt: it needs 2 or more per prompt", estimator);
    }
  }

  // Per group: {Σx, n}.
  private static Map<Integer, double[]> sums(double[] values, int[] groups) {
    checkArgument(values.length == groups.length, "one group per value expected");
    Map<Integer, double[]> sums = new LinkedHashMap<>();
    for (int b = 0; b < values.length; b++) {
      double[] s = sums.computeIfAbsent(groups[b], g -> new double[2]);
      s[0] += values[b];
      s[1]++;
    }
    return sums;
  }
}
