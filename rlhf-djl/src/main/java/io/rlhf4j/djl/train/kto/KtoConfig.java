package io.rlhf4j.djl.train.kto;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.train.kto.KtoObjective;

/**
 * KTO's settings, TRL's KTOConfig defaults where they apply. Built by {@link #builder()}.
 *
 * <ul>
 *   <li>{@code objective}: β (0.1) and the desirable/undesirable weights (1, 1)
 *   <li>{@code epochs}: passes over the completions (1)
 *   <li>{@code batchSize}: completions per optimizer step (8); the mismatched pairs for z₀ are
 *       taken within it, so it must be 2 or more
 *   <li>{@code maxLength}: prompt + completion tokens (256)
 *   <li>{@code optimizer}: AdamW (lr 5e-7, TRL's)
 *   <li>{@code warmupSteps}: linear warmup before cosine decay (0)
 *   <li>{@code seed}: shuffling and dropout seed
 *   <li>{@code checkpointEverySteps}: checkpoint cadence (100)
 * </ul>
 */
public final class KtoConfig {
  private final KtoObjective objective;
  private final int epochs;
  private final int batchSize;
  private final int maxLength;
  private final AdamWConfig optimizer;
  private final int warmupSteps;
  private final long seed;
  private final int checkpointEverySteps;

  private KtoConfig(Builder b) {
    this.objective = new KtoObjective(b.beta, b.desirableWeight, b.undesirableWeight);
    this.epochs = b.epochs;
    this.batchSize = b.batchSize;
    this.maxLength = b.maxLength;
    this.optimizer = checkNotNull(b.optimizer, "optimizer");
    this.warmupSteps = b.warmupSteps;
    this.seed = b.seed;
    this.checkpointEverySteps = b.checkpointEverySteps;
    checkArgument(epochs >= 1, "epochs must be >= 1");
    checkArgument(batchSize >= 2, "batchSize must be >= 2 (z0 pairs completions within it)");
    checkArgument(maxLength >= 2, "maxLength must be >= 2");
    checkArgument(warmupSteps >= 0 && checkpointEverySteps >= 0, "steps must be >= 0");
  }

  /** The loss's settings. */
  public KtoObjective objective() {
    return objective;
  }

  /** Passes over the completions. */
  public int epochs() {
    return epochs;
  }

  /** Completions per optimizer step. */
  public int batchSize() {
    return batchSize;
  }

  /** Prompt + completion tokens. */
  public int maxLength() {
    return maxLength;
  }

  /** The policy's optimizer. */
  public AdamWConfig optimizer() {
    return optimizer;
  }

  /** Warmup steps. */
  public int warmupSteps() {
    return warmupSteps;
  }

  /** The seed. */
  public long seed() {
    return seed;
  }

  /** Checkpoint cadence in steps (0: at the end only). */
  public int checkpointEverySteps() {
    return checkpointEverySteps;
  }

  /** TRL's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link KtoConfig}. */
  public static final class Builder {
    private double beta = 0.1;
    private double desirableWeight = 1;
    private double undesirableWeight = 1;
    private int epochs = 1;
    private int batchSize = 8;
    private int maxLength = 256;
    private AdamWConfig optimizer = AdamWConfig.of(5e-7);
    private int warmupSteps = 0;
    private long seed = 0;
    private int checkpointEverySteps = 100;

    private Builder() {}

    /** β. */
    public Builder beta(double v) {
      beta = v;
      return this;
    }

    /** λ_D and λ_U (TRL's advice: keep λ_D·desirable / λ_U·undesirable in [1, 4/3]). */
    public Builder weights(double desirable, double undesirable) {
      desirableWeight = desirable;
      undesirableWeight = undesirable;
      return this;
    }

    /** Epochs. */
    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    /** Completions per step. */
    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    /** Prompt + completion tokens. */
    public Builder maxLength(int v) {
      maxLength = v;
      return this;
    }

    /** The optimizer. */
    public Builder optimizer(AdamWConfig v) {
      optimizer = v;
      return this;
    }

    /** Warmup steps. */
    public Builder warmupSteps(int v) {
      warmupSteps = v;
      return this;
    }

    /** The seed. */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** Checkpoint cadence. */
    public Builder checkpointEverySteps(int v) {
      checkpointEverySteps = v;
      return this;
    }

    /** Validates and builds. */
    public KtoConfig build() {
      return new KtoConfig(this);
    }
  }
}
