package io.rlhf4j.djl.train.reward;

import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingArguments;

/**
 * Reward-model training settings. InstructGPT trained one epoch (more overfits) with all C(K,2)
 * pairs of a prompt in one batch; the defaults follow that shape.
 *
 * @param training the shared arguments; its batch size is rankings per optimizer step (each
 *     contributes all its K responses)
 * @param headSeed seed of the scalar head's initialisation
 */
public record RewardConfig(TrainingArguments training, long headSeed) {

  /** Validates on construction. */
  public RewardConfig {
    checkNotNull(training, "training");
  }

  /** Defaults: 1 epoch, 8 prompts per batch, lr 1e-4, max length 256. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link RewardConfig}. */
  public static final class Builder extends TrainingArguments.Builder<Builder> {
    private long headSeed = 0;

    private Builder() {
      optimizer(AdamWConfig.of(1e-4));
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** Rankings per optimizer step: the batch size. */
    public Builder promptsPerBatch(int v) {
      return batchSize(v);
    }

    /** See {@link RewardConfig#headSeed()}. */
    public Builder headSeed(long v) {
      headSeed = v;
      return this;
    }

    /** Validates and builds. */
    public RewardConfig build() {
      return new RewardConfig(training(), headSeed);
    }
  }
}
