package io.rlhf4j.djl.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * The training arguments every offline stage shares (SFT, reward model, DPO family, KTO), in one
 * place as TRL's {@code TrainingArguments}: each stage's config holds one of these beside its own
 * settings, and each stage's builder extends {@link Builder}, so a shared argument is declared,
 * checked and documented once.
 *
 * @param epochs passes over the data
 * @param batchSize examples per optimizer step (a ranking with all its responses is one example)
 * @param maxLength the longest BOS + prompt + response + EOS sequence; see {@link
 *     io.rlhf4j.train.Examples}
 * @param optimizer AdamW settings
 * @param warmupSteps linear warmup steps before cosine decay to 10 %
 * @param seed shuffling (and dropout) seed; the order of epoch e is a function of (seed, e) alone
 * @param checkpointEverySteps checkpoint every this many optimizer steps (and at the end); 0 at the
 *     end only. A kill loses at most this many steps (TRL saves every 500; a step here is slower)
 * @param gradientCheckpointing keep only each layer's input in the forward pass and recompute the
 *     layer in the backward pass (transformers' {@code gradient_checkpointing}): activation memory
 *     of one layer instead of all, for one more forward pass of compute; not with LoRA dropout,
 *     whose masks would differ the second time
 */
public record TrainingArguments(
    int epochs,
    int batchSize,
    int maxLength,
    AdamWConfig optimizer,
    int warmupSteps,
    long seed,
    int checkpointEverySteps,
    boolean gradientCheckpointing) {

  /** Validates. */
  public TrainingArguments {
    checkArgument(epochs >= 1, "epochs must be >= 1");
    checkArgument(batchSize >= 1, "batchSize must be >= 1");
    checkArgument(maxLength >= 4, "maxLength must be >= 4");
    checkNotNull(optimizer, "optimizer");
    checkArgument(warmupSteps >= 0, "warmupSteps must be >= 0");
    checkArgument(checkpointEverySteps >= 0, "checkpointEverySteps must be >= 0");
  }

  /** The epoch loop's plan for {@code stage}, with {@code examplesPerStep} examples per step. */
  public EpochLoop.Plan plan(String stage, int examplesPerStep) {
    return new EpochLoop.Plan(
        stage, examplesPerStep, epochs, warmupSteps, seed, checkpointEverySteps);
  }

  /** The epoch loop's plan for {@code stage}, a batch per step. */
  public EpochLoop.Plan plan(String stage) {
    return plan(stage, batchSize);
  }

  /**
   * The setters of the shared arguments, for a stage's builder to extend; the stage sets its own
   * defaults in its constructor.
   *
   * @param <B> the stage's builder
   */
  public abstract static class Builder<B extends Builder<B>> {
    private int epochs = 1;
    private int batchSize = 8;
    private int maxLength = 256;
    private AdamWConfig optimizer = AdamWConfig.of(1e-5);
    private int warmupSteps = 0;
    private long seed = 0;
    private int checkpointEverySteps = 100;
    private boolean gradientCheckpointing = false;

    /** For subclasses. */
    protected Builder() {}

    /** This builder, typed as the stage's. */
    protected abstract B self();

    /** See {@link TrainingArguments#epochs()}. */
    public B epochs(int v) {
      epochs = v;
      return self();
    }

    /** See {@link TrainingArguments#batchSize()}. */
    public B batchSize(int v) {
      batchSize = v;
      return self();
    }

    /** See {@link TrainingArguments#maxLength()}. */
    public B maxLength(int v) {
      maxLength = v;
      return self();
    }

    /** See {@link TrainingArguments#optimizer()}. */
    public B optimizer(AdamWConfig v) {
      optimizer = v;
      return self();
    }

    /** See {@link TrainingArguments#warmupSteps()}. */
    public B warmupSteps(int v) {
      warmupSteps = v;
      return self();
    }

    /** See {@link TrainingArguments#seed()}. */
    public B seed(long v) {
      seed = v;
      return self();
    }

    /** See {@link TrainingArguments#checkpointEverySteps()}. */
    public B checkpointEverySteps(int v) {
      checkpointEverySteps = v;
      return self();
    }

    /** The shared arguments as set, validated. */
    /** See {@link TrainingArguments#gradientCheckpointing()}. */
    public B gradientCheckpointing(boolean v) {
      gradientCheckpointing = v;
      return self();
    }

    protected TrainingArguments training() {
      return new TrainingArguments(
          epochs,
          batchSize,
          maxLength,
          optimizer,
          warmupSteps,
          seed,
          checkpointEverySteps,
          gradientCheckpointing);
    }
  }
}
