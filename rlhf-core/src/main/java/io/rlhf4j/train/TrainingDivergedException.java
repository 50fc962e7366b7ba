package io.rlhf4j.train;

/**
 * A loss became NaN or infinite. Training stops at once, before the optimizer applies the bad
 * gradients and before any checkpoint is overwritten, so the last checkpoint stays usable.
 */
public final class TrainingDivergedException extends RuntimeException {
  private final String stage;
  private final long step;

  /** The loss of {@code stage} at {@code step} was {@code value}. */
  public TrainingDivergedException(String stage, long step, String what, double value) {
    super(
        stage
            + " step "
            + step
            + ": "
            + what
            + " is "
            + value
            + "; stopped before the update (the last checkpoint is intact). Lower the learning"
            + " rate or check the data of this step.");
    this.stage = stage;
    this.step = step;
  }

  /** The stage that diverged. */
  public String stage() {
    return stage;
  }

  /** The step that diverged. */
  public long step() {
    return step;
  }

  /** Throws when {@code value} is not finite. */
  public static void check(String stage, long step, String what, double value) {
    if (!Double.isFinite(value)) {
      throw new TrainingDivergedException(stage, step, what, value);
    }
  }
}
