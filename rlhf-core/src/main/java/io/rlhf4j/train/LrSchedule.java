package io.rlhf4j.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * Learning-rate multiplier per optimizer step: linear warmup from 0, then cosine or linear decay to
 * {@code minRatio} at {@code totalSteps}, or constant. Matches Hugging Face's {@code
 * get_cosine_schedule_with_warmup} / {@code get_linear_schedule_with_warmup} when minRatio is 0.
 *
 * @param kind the decay after warmup
 * @param warmupSteps steps of linear warmup
 * @param totalSteps the step at which decay ends
 * @param minRatio the floor, as a fraction of the peak rate
 */
public record LrSchedule(Kind kind, long warmupSteps, long totalSteps, double minRatio) {
  /** Decay shapes. */
  public enum Kind {
    /** Half a cosine from 1 to minRatio. */
    COSINE,
    /** A straight line from 1 to minRatio. */
    LINEAR,
    /** 1 after warmup. */
    CONSTANT
  }

  /** Validates on construction. */
  public LrSchedule {
    checkNotNull(kind, "kind");
    checkArgument(warmupSteps >= 0, "warmupSteps must be >= 0");
    checkArgument(totalSteps >= 1, "totalSteps must be >= 1");
    checkArgument(minRatio >= 0 && minRatio <= 1, "minRatio must be in [0, 1]");
  }

  /** A constant rate without warmup. */
  public static LrSchedule constant() {
    return new LrSchedule(Kind.CONSTANT, 0, 1, 1);
  }

  /**
   * The multiplier for the 1-based optimizer step {@code step}.
   *
   * <p>Warmup gives step/warmup, so the first step already moves (PyTorch's LambdaLR convention
   * evaluated after its first scheduler.step()).
   */
  public double factor(long step) {
    checkArgument(step >= 1, "steps are 1-based: %s", step);
    if (step <= warmupSteps) {
      return (double) step / warmupSteps;
    }
    if (kind == Kind.CONSTANT) {
      return 1;
    }
    double progress =
        Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    double shape = kind == Kind.COSINE ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
    return minRatio + (1 - minRatio) * shape;
  }
}
