package io.rlhf4j.djl.train.kto;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingArguments;
import io.rlhf4j.train.kto.KtoObjective;

/**
 * KTO's settings, TRL's KTOConfig defaults where they apply. Built by {@link #builder()}.
 *
 * @param objective β (0.1) and the desirable/undesirable weights (1, 1)
 * @param training the shared arguments (1 epoch, lr 5e-7 as TRL's); its batch size is completions
 *     per optimizer step (8), and the mismatched pairs for z₀ are taken within it, so it must be 2
 *     or more
 */
public record KtoConfig(KtoObjective objective, TrainingArguments training) {
  /** Validates. */
  public KtoConfig {
    checkNotNull(objective, "objective");
    checkNotNull(training, "training");
    checkArgument(
        training.batchSize() >= 2, "batchSize must be >= 2 (z0 pairs completions within it)");
  }

  /** TRL's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link KtoConfig}. */
  public static final class Builder extends TrainingArguments.Builder<Builder> {
    private double beta = 0.1;
    private double desirableWeight = 1;
    private double undesirableWeight = 1;

    private Builder() {
      optimizer(AdamWConfig.of(5e-7));
    }

    @Override
    protected Builder self() {
      return this;
    }

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

    /** Validates and builds. */
    public KtoConfig build() {
      return new KtoConfig(new KtoObjective(beta, desirableWeight, undesirableWeight), training());
    }
  }
}
