package io.rlhf4j.djl.train;

import io.rlhf4j.train.TrainingDivergedException;

/** Applies an optimizer step on behalf of a stage, reporting divergence in the stage's terms. */
public final class Steps {
  private Steps() {}

  /**
   * Runs {@code optimizer.step(lrFactor)}; non-finite gradients (refused by AdamW, so no parameter
   * changes) become a {@link TrainingDivergedException} naming stage and step.
   *
   * @return the gradient norm before clipping
   */
  public static double apply(AdamW optimizer, double lrFactor, String stage, long step) {
    try {
      return optimizer.step(lrFactor);
    } catch (AdamW.NonFiniteGradientException e) {
      throw new TrainingDivergedException(stage, step, "gradient norm", e.norm());
    }
  }
}
