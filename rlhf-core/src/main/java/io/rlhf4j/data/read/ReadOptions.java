package io.rlhf4j.data.read;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * How a reader treats bad records.
 *
 * @param skipInvalid when false (the default) the first bad record stops reading with a {@link
 *     io.rlhf4j.data.DataFormatException}; when true bad records are skipped, counted and logged,
 *     and the {@link ReadReport} says how many and why
 * @param maxLineBytes a longer line is a format error rather than an out-of-memory risk
 */
public record ReadOptions(boolean skipInvalid, int maxLineBytes) {
  /** Default line limit: 4 MiB, far above any real preference record. */
  public static final int DEFAULT_MAX_LINE_BYTES = 4 << 20;

  /** Validates on construction. */
  public ReadOptions {
    checkArgument(maxLineBytes > 0, "maxLineBytes must be positive: %s", maxLineBytes);
  }

  /** Fail on the first bad record. */
  public static ReadOptions strict() {
    return new ReadOptions(false, DEFAULT_MAX_LINE_BYTES);
  }

  /** Skip and count bad records. */
  public static ReadOptions skipping() {
    return new ReadOptions(true, DEFAULT_MAX_LINE_BYTES);
  }

  /** A copy with another line limit. */
  public ReadOptions withMaxLineBytes(int bytes) {
    return new ReadOptions(skipInvalid, bytes);
  }
}
