package io.rlhf4j.train.rl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Diagnostics of a rollout with several samples per prompt: the mean within-group standard
 * deviation of the scores, and the share of groups whose samples all scored the same, which carry
 * no signal for a group-relative estimator (DAPO's observation).
 */
public final class GroupStats {
  private GroupStats() {}

  /** Mean over groups of the unbiased standard deviation of their scores. */
  public static double meanStd(double[] scores, int[] groups) {
    Map<Integer, Double> perGroup = new LinkedHashMap<>();
    double[] std = Groups.stds(scores, groups);
    for (int b = 0; b < scores.length; b++) {
      perGroup.put(groups[b], std[b]);
    }
    return perGroup.values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
  }

  /**
   * Whether the {@code n} scores from {@code from} all tie (to 1e-9): a group that gives a
   * group-relative estimator nothing to learn from, which DAPO's dynamic sampling drops.
   */
  public static boolean tied(double[] scores, int from, int n) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = from; i < from + n; i++) {
      min = Math.min(min, scores[i]);
      max = Math.max(max, scores[i]);
    }
    return max - min <= 1e-9;
  }

  /** The share of groups whose scores are all equal (to 1e-9). */
  public static double flatShare(double[] scores, int[] groups) {
    Map<Integer, double[]> range = new LinkedHashMap<>();
    for (int b = 0; b < scores.length; b++) {
      double s = scores[b];
      range.merge(
          groups[b],
          new double[] {s, s},
          (x, y) -> new double[] {Math.min(x[0], y[0]), Math.max(x[1], y[1])});
    }
    long flat = range.values().stream().filter(r -> r[1] - r[0] <= 1e-9).count();
    return (double) flat / range.size();
  }
}
