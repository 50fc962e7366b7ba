package io.rlhf4j.train.rl;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The ratio range [1 − ε_low, 1 + ε_high] the clipped surrogates share: its checks and its clip.
 */
final class RatioClip {
  private RatioClip() {}

  /**
   * Refuses an empty range; ε_low = 1 (a floor of 0, which no ratio reaches) means no lower clip.
   */
  static void check(double clipLow, double clipHigh) {
    checkArgument(clipLow > 0 && clipLow <= 1, "clipLow must be in (0, 1]: %s", clipLow);
    checkArgument(clipHigh > 0, "clipHigh must be > 0: %s", clipHigh);
  }

  /** {@code ratio} clipped to [1 − clipLow, 1 + clipHigh]. */
  static double clip(double ratio, double clipLow, double clipHigh) {
    return Math.min(Math.max(ratio, 1 - clipLow), 1 + clipHigh);
  }
}
