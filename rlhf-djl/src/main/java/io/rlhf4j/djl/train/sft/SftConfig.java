package io.rlhf4j.djl.train.sft;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingArguments;
import io.rlhf4j.train.LrSchedule;

/**
 * Supervised fine-tuning settings (InstructGPT §3.5 trained 16 epochs with cosine decay; the
 * defaults here suit small models and quick runs).
 *
 * @param training the shared arguments; its batch size is demonstrations per micro-batch
 * @param gradientAccumulation micro-batches per optimizer step
 * @param earlyStoppingPatience stop after this many evaluations without a lower eval loss; 0 off
 * @param evalEverySteps evaluate every this many optimizer steps (and at the end of each epoch); 0
 *     evaluates at epoch ends only
 */
public record SftConfig(
    TrainingArguments training,
    int gradientAccumulation,
    int earlyStoppingPatience,
    int evalEverySteps) {

  /** Validates on construction. */
  public SftConfig {
    checkNotNull(training, "training");
    checkArgument(gradientAccumulation >= 1, "gradientAccumulation must be >= 1");
    checkArgument(earlyStoppingPatience >= 0, "earlyStoppingPatience must be >= 0");
    checkArgument(evalEverySteps >= 0, "evalEverySteps must be >= 0");
  }

  /** The schedule over {@code totalSteps} optimizer steps. */
  public LrSchedule schedule(long totalSteps) {
    return new LrSchedule(
        LrSchedule.Kind.COSINE, training.warmupSteps(), Math.max(1, totalSteps), 0.1);
  }

  /** Defaults: 3 epochs, batch 8, lr 3e-4, max length 256, seed 0. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds an {@link SftConfig}. */
  public static final class Builder extends TrainingArguments.Builder<Builder> {
    private int gradientAccumulation = 1;
    private int earlyStoppingPatience = 0;
    private int evalEverySteps = 0;

    private Builder() {
      epochs(3).optimizer(AdamWConfig.of(3e-4));
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** See {@link SftConfig#gradientAccumulation()}. */
    public Builder gradientAccumulation(int v) {
      gradientAccumulation = v;
      return this;
    }

    /** See {@link SftConfig#earlyStoppingPatience()}. */
    public Builder earlyStoppingPatience(int v) {
      earlyStoppingPatience = v;
      return this;
    }

    /** See {@link SftConfig#evalEverySteps()}. */
    public Builder evalEverySteps(int v) {
      evalEverySteps = v;
      return this;
    }

    /** Validates and builds. */
    public SftConfig build() {
      return new SftConfig(training(), gradientAccumulation, earlyStoppingPatience, evalEverySteps);
    }
  }
}
