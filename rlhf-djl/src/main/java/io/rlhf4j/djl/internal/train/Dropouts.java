package io.rlhf4j.djl.internal.train;

import ai.djl.engine.Engine;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.internal.train.Seeds;

/**
 * Seeds the engine's random generator before a training step that drops (a LoRA view with adapter
 * dropout), so its dropout masks are a function of (seed, step) and a resumed run draws the ones an
 * uninterrupted run drew. libtorch has one generator per process, which one training at a time
 * ({@link TrainingLock}) may set.
 */
public final class Dropouts {
  private static final long PURPOSE = 3;

  private Dropouts() {}

  /** Seeds the engine for {@code step} of a stage seeded {@code seed}, if {@code model} drops. */
  public static void seed(CausalLm model, long seed, long step) {
    if (model.isAdapter() && model.lora().dropout() > 0) {
      Engine.getInstance().setRandomSeed((int) Seeds.derive(seed, step, PURPOSE));
    }
  }
}
