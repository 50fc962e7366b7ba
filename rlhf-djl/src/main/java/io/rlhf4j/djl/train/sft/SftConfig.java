package io.rlhf4j.djl.train.sft;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.train.LrSchedule;

/**
 * Supervised fine-tuning settings (InstructGPT §3.5 trained 16 epochs with cosine decay; the
 * defaults here suit small models and quick runs).
 *
 * @param epochs passes over the demonstrations
 * @param batchSize demonstrations per micro-batch
 * @param gradientAccumulation micro-batches per optimizer step
 * @param maxLength the longest BOS + prompt + response + EOS sequence; see {@link
 *     io.rlhf4j.train.Examples}
 * @param optimizer AdamW settings
 * @param warmupSteps linear warmup steps before cosine decay
 * @param earlyStoppingPatience stop after this many evaluations without a lower eval loss; 0 off
 * @param evalEverySteps evaluate every this many optimizer steps (and at the end of each epoch); 0
 *     evaluates at epoch ends only
 * @param checkpointEverySteps checkpoint every this many optimizer steps (and at the end); 0 at the
 *     end only (default 100)
 * @param seed shuffling seed; the order of epoch e is a function of (seed, e) alone
 */
public record SftConfig(
    int epochs,
    int batchSize,
    int gradientAccumulation,
    int maxLength,
    AdamWConfig optimizer,
    int warmupSteps,
    int earlyStoppingPatience,
    int evalEverySteps,
    int checkpointEverySteps,
    long seed) {

  /** Validates on construction. */
  public SftConfig {
    checkArgument(epochs >= 1, "epochs must be >= 1");
    checkArgument(batchSize >= 1, "batchSize must be >= 1");
    checkArgument(gradientAccumulation >= 1, "gradientAccumulation must be >= 1");
    checkArgument(maxLength >= 4, "maxLength must be >= 4");
    checkNotNull(optimizer, "optimizer");
    checkArgument(warmupSteps >= 0, "warmupSteps must be >= 0");
    checkArgument(earlyStoppingPatience >= 0, "earlyStoppingPatience must be >= 0");
    checkArgument(evalEverySteps >= 0, "evalEverySteps must be >= 0");
    checkArgument(checkpointEverySteps >= 0, "checkpointEverySteps must be >= 0");
  }

  /** The schedule over {@code totalSteps} optimizer steps. */
  public LrSchedule schedule(long totalSteps) {
    return new LrSchedule(LrSchedule.Kind.COSINE, warmupSteps, Math.max(1, totalSteps), 0.1);
  }

  /** Defaults: 3 epochs, batch 8, lr 3e-4, max length 256, seed 0. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds an {@link SftConfig}. */
  public static final class Builder {
    private int epochs = 3;
    private int batchSize = 8;
    private int gradientAccumulation = 1;
    private int maxLength = 256;
    private AdamWConfig optimizer = AdamWConfig.of(3e-4);
    private int warmupSteps = 0;
    private int earlyStoppingPatience = 0;
    private int evalEverySteps = 0;
    // A kill loses at most this many steps (TRL saves every 500; a step here is slower).
    private int checkpointEverySteps = 100;
    private long seed = 0;

    private Builder() {}

    /** See {@link SftConfig#epochs()}. */
    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    /** See {@link SftConfig#batchSize()}. */
    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    /** See {@link SftConfig#gradientAccumulation()}. */
    public Builder gradientAccumulation(int v) {
      gradientAccumulation = v;
      return this;
    }

    /** See {@link SftConfig#maxLength()}. */
    public Builder maxLength(int v) {
      maxLength = v;
      return this;
    }

    /** See {@link SftConfig#optimizer()}. */
    public Builder optimizer(AdamWConfig v) {
      optimizer = v;
      return this;
    }

    /** See {@link SftConfig#warmupSteps()}. */
    public Builder warmupSteps(int v) {
      warmupSteps = v;
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

    /** See {@link SftConfig#checkpointEverySteps()}. */
    public Builder checkpointEverySteps(int v) {
      checkpointEverySteps = v;
      return this;
    }

    /** See {@link SftConfig#seed()}. */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** Validates and builds. */
    public SftConfig build() {
      return new SftConfig(
          epochs,
          batchSize,
          gradientAccumulation,
          maxLength,
          optimizer,
          warmupSteps,
          earlyStoppingPatience,
          evalEverySteps,
          checkpointEverySteps,
          seed);
    }
  }
}
