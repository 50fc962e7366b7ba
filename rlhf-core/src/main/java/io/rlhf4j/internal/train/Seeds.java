package io.rlhf4j.internal.train;

/**
 * Derived seeds: every random draw of rlhf4j is seeded by a pure function of the run's seed and the
 * coordinates of the draw (stage, round, iteration, purpose, row), so a run resumed from a
 * checkpoint draws exactly what an uninterrupted one would, and no two purposes share a stream.
 */
public final class Seeds {
  private Seeds() {}

  /** A seed for the draw at {@code parts} of a run seeded with {@code seed}. */
  public static long derive(long seed, long... parts) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    for (long part : parts) {
      h = mix(h + 0x9E3779B97F4A7C15L + mix(part));
    }
    return h;
  }

  // Stafford's variant 13 of the MurmurHash3 finaliser, the mixer of SplittableRandom.
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
