package io.rlhf4j.djl.train.reward;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.train.AdamWConfig;

/**
 * Reward-model training settings. InstructGPT trained one epoch (more overfits) with all C(K,2)
 * pairs of a prompt in one batch; the defaults follow that shape.
 *
 * @param epochs passes over the rankings
 * @param promptsPerBatch rankings per optimizer step (each contributes all its K responses)
 * @param maxLength the longest BOS + prompt + response + EOS sequence
 * @param optimizer AdamW settings
 * @param warmupSteps linear warmup before cosine decay
 * @param headSeed seed of the scalar head's initialisation
 * @param seed shuffling seed
 * @param checkpointEverySteps checkpoint every this many steps (and at the end); 0 at the end only
 *     (default 100)
 */
public record RewardConfig(
    int epochs,
    int promptsPerBatch,
    int maxLength,
    AdamWConfig optimizer,
    int warmupSteps,
    long headSeed,
    long seed,
    int checkpointEverySteps) {

  /** Validates on construction. */
  public RewardConfig {
    checkArgument(epochs >= 1, "epochs must be >= 1");
    checkArgument(promptsPerBatch >= 1, "promptsPerBatch must be >= 1");
    checkArgument(maxLength >= 4, "maxLength must be >= 4");
    checkNotNull(optimizer, "optimizer");
    checkArgument(warmupSteps >= 0, "warmupSteps must be >= 0");
    checkArgument(checkpointEverySteps >= 0, "checkpointEverySteps must be >= 0");
  }

  /** Defaults: 1 epoch, 8 prompts per batch, lr 1e-4, max length 256. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link RewardConfig}. */
  public static final class Builder {
    private int epochs = 1;
    private int promptsPerBatch = 8;
    private int maxLength = 256;
    private AdamWConfig optimizer = AdamWConfig.of(1e-4);
    private int warmupSteps = 0;
    private long headSeed = 0;
    private long seed = 0;
    // A kill loses at most this many steps (TRL saves every 500; a step here is slower).
    private int checkpointEverySteps = 100;

    private Builder() {}

    /** See {@link RewardConfig#epochs()}. */
    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    /** See {@link RewardConfig#promptsPerBatch()}. */
    public Builder promptsPerBatch(int v) {
      promptsPerBatch = v;
      return this;
    }

    /** See {@link RewardConfig#maxLength()}. */
    public Builder maxLength(int v) {
      maxLength = v;
      return this;
    }

    /** See {@link RewardConfig#optimizer()}. */
    public Builder optimizer(AdamWConfig v) {
      optimizer = v;
      return this;
    }

    /** See {@link RewardConfig#warmupSteps()}. */
    public Builder warmupSteps(int v) {
      warmupSteps = v;
      return this;
    }

    /** See {@link RewardConfig#headSeed()}. */
    public Builder headSeed(long v) {
      headSeed = v;
      return this;
    }

    /** See {@link RewardConfig#seed()}. */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** See {@link RewardConfig#checkpointEverySteps()}. */
    public Builder checkpointEverySteps(int v) {
      checkpointEverySteps = v;
      return this;
    }

    /** Validates and builds. */
    public RewardConfig build() {
      return new RewardConfig(
          epochs,
          promptsPerBatch,
          maxLength,
          optimizer,
          warmupSteps,
          headSeed,
          seed,
          checkpointEverySteps);
    }
  }
}
