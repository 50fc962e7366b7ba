package io.rlhf4j.djl.internal.train;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.djl.model.CausalLm;

/** Checks a stage's sequence length against what a model's positions cover. */
public final class Contexts {
  private Contexts() {}

  /**
   * Fails when sequences of {@code maxLength} tokens would not fit the model: past its context a
   * position has no embedding (GPT-2) or a rotation the model never saw (RoPE), so the stage could
   * only train on nonsense there.
   */
  public static void check(int maxLength, CausalLm model) {
    int context = model.config().maxPositions();
    checkArgument(
        maxLength <= context,
        "maxLength %s exceeds the model's context of %s positions; use maxLength <= %s",
        maxLength,
        context,
        context);
  }
}
