package io.rlhf4j.train.rl;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * DAPO's soft overlong punishment (Yu et al. 2025, eq. 13), added to the score of a response of L
 * tokens when the response cap is L_max and the buffer before it is L_cache:
 *
 * <pre>
 *   R_length(L) = 0                                  L ≤ L_max − L_cache
 *               = ((L_max − L_cache) − L) / L_cache   L_max − L_cache &lt; L ≤ L_max
 *               = −1                                  L &gt; L_max
 * </pre>
 *
 * <p>scaled by {@code penalty} (verl's {@code penalty_factor}). A response cut off at the cap is
 * likely truncated reasoning; the ramp teaches length without the cliff of a fixed score.
 *
 * @param maxLength L_max, the response cap in tokens
 * @param buffer L_cache (0: no punishment)
 * @param penalty the punishment at the cap
 */
public record OverlongPunishment(int maxLength, int buffer, double penalty) {
  /** Validates. */
  public OverlongPunishment {
    checkArgument(maxLength >= 1, "maxLength must be >= 1");
    checkArgument(buffer >= 0 && buffer <= maxLength, "buffer must be in [0, maxLength]");
    checkArgument(penalty >= 0, "penalty must be >= 0");
  }

  /** R_length(L)·penalty: 0, the ramp, or −penalty. */
  public double of(int length) {
    if (buffer == 0) {
      return 0;
    }
    int free = maxLength - buffer;
    if (length <= free) {
      return 0;
    }
    if (length > maxLength) {
      return -penalty;
    }
    return penalty * (free - length) / buffer;
  }
}
