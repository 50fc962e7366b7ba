package io.rlhf4j.djl.train.dpo;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.train.dpo.DpoLossType;
import io.rlhf4j.train.dpo.DpoObjective;

/**
 * DPO settings, TRL's {@code DPOConfig} where it has one. Each ranking of K responses gives its
 * C(K,2) strict pairs; a batch's pairs weigh 1 / (pairs of their prompt × prompts), as in reward
 * modelling.
 *
 * @param objective the loss: β, sigmoid (DPO, cDPO with label smoothing) or IPO, RPO's α
 * @param epochs passes over the rankings (1)
 * @param promptsPerBatch rankings per optimizer step (8)
 * @param maxLength the longest BOS + prompt + response + EOS sequence (256)
 * @param optimizer AdamW (lr 1e-6, TRL's default)
 * @param warmupSteps linear warmup before cosine decay to 10 %
 * @param seed shuffling (and adapter-dropout) seed
 * @param checkpointEverySteps checkpoint every this many steps (and at the end); 0 at the end only
 *     (default 100)
 */
public record DpoConfig(
    DpoObjective objective,
    int epochs,
    int promptsPerBatch,
    int maxLength,
    AdamWConfig optimizer,
    int warmupSteps,
    long seed,
    int checkpointEverySteps) {

  /** Validates on construction. */
  public DpoConfig {
    checkNotNull(objective, "objective");
    checkArgument(epochs >= 1, "epochs must be >= 1");
    checkArgument(promptsPerBatch >= 1, "promptsPerBatch must be >= 1");
    checkArgument(maxLength >= 4, "maxLength must be >= 4");
    checkNotNull(optimizer, "optimizer");
    checkArgument(warmupSteps >= 0, "warmupSteps must be >= 0");
    checkArgument(checkpointEverySteps >= 0, "checkpointEverySteps must be >= 0");
  }

  /** The defaults: sigmoid DPO, β = 0.1. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * SimPO (Meng et al. 2024) with the paper's ratio γ/β = 0.25 at β = 2 (TRL's CPOTrainer with
   * {@code loss_type="simpo"}, {@code cpo_alpha=0}): length-normalised log-probabilities, a target
   * margin, no reference model.
   */
  public static Builder simpo() {
    return builder().lossType(DpoLossType.SIMPO).beta(2.0).rewardMargin(0.5);
  }

  /**
   * ORPO (Hong et al. 2024) as TRL's ORPOTrainer runs it: the chosen response's NLL plus λ = 0.1
   * times the odds-ratio loss, no reference model.
   */
  public static Builder orpo() {
    return builder().lossType(DpoLossType.ORPO).beta(0.1).sftCoefficient(1.0);
  }

  /** Builds a {@link DpoConfig}. */
  public static final class Builder {
    private double beta = 0.1;
    private DpoLossType lossType = DpoLossType.SIGMOID;
    private double labelSmoothing = 0;
    private double sftCoefficient = 0;
    private double rewardMargin = 0;
    private int epochs = 1;
    private int promptsPerBatch = 8;
    private int maxLength = 256;
    private AdamWConfig optimizer = AdamWConfig.of(1e-6);
    private int warmupSteps = 0;
    private long seed = 0;
    // A kill loses at most this many steps (TRL saves every 500; a step here is slower).
    private int checkpointEverySteps = 100;

    private Builder() {}

    /** SimPO's target margin γ ({@link DpoObjective#rewardMargin()}). */
    public Builder rewardMargin(double v) {
      rewardMargin = v;
      return this;
    }

    /** β, the strength of the implicit KL constraint (ORPO's λ). */
    public Builder beta(double v) {
      beta = v;
      return this;
    }

    /** Sigmoid (DPO) or IPO. */
    public Builder lossType(DpoLossType v) {
      lossType = v;
      return this;
    }

    /** ε of conservative DPO: the assumed share of flipped labels. */
    public Builder labelSmoothing(double v) {
      labelSmoothing = v;
      return this;
    }

    /** α of RPO's NLL term on the preferred response (TRL's {@code rpo_alpha}). */
    public Builder sftCoefficient(double v) {
      sftCoefficient = v;
      return this;
    }

    /** See {@link DpoConfig#epochs()}. */
    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    /** See {@link DpoConfig#promptsPerBatch()}. */
    public Builder promptsPerBatch(int v) {
      promptsPerBatch = v;
      return this;
    }

    /** See {@link DpoConfig#maxLength()}. */
    public Builder maxLength(int v) {
      maxLength = v;
      return this;
    }

    /** See {@link DpoConfig#optimizer()}. */
    public Builder optimizer(AdamWConfig v) {
      optimizer = v;
      return this;
    }

    /** See {@link DpoConfig#warmupSteps()}. */
    public Builder warmupSteps(int v) {
      warmupSteps = v;
      return this;
    }

    /** See {@link DpoConfig#seed()}. */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** See {@link DpoConfig#checkpointEverySteps()}. */
    public Builder checkpointEverySteps(int v) {
      checkpointEverySteps = v;
      return this;
    }

    /** Validates and builds. */
    public DpoConfig build() {
      return new DpoConfig(
          new DpoObjective(beta, lossType, labelSmoothing, sftCoefficient, rewardMargin),
          epochs,
          promptsPerBatch,
          maxLength,
          optimizer,
          warmupSteps,
          seed,
          checkpointEverySteps);
    }
  }
}
