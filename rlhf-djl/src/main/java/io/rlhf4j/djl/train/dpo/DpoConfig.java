package io.rlhf4j.djl.train.dpo;

import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingArguments;
import io.rlhf4j.train.dpo.DpoLossType;
import io.rlhf4j.train.dpo.DpoObjective;

/**
 * DPO settings, TRL's {@code DPOConfig} where it has one. Each ranking of K responses gives its
 * C(K,2) strict pairs; a batch's pairs weigh 1 / (pairs of their prompt × prompts), as in reward
 * modelling.
 *
 * @param objective the loss: β, sigmoid (DPO, cDPO with label smoothing), IPO, SimPO or ORPO, RPO's
 *     α
 * @param training the shared arguments (1 epoch, lr 1e-6 as TRL's); its batch size is rankings per
 *     optimizer step (8)
 */
public record DpoConfig(DpoObjective objective, TrainingArguments training) {

  /** Validates on construction. */
  public DpoConfig {
    checkNotNull(objective, "objective");
    checkNotNull(training, "training");
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
  public static final class Builder extends TrainingArguments.Builder<Builder> {
    private double beta = 0.1;
    private DpoLossType lossType = DpoLossType.SIGMOID;
    private double labelSmoothing = 0;
    private double sftCoefficient = 0;
    private double rewardMargin = 0;

    private Builder() {
      optimizer(AdamWConfig.of(1e-6));
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** Rankings per optimizer step: the batch size. */
    public Builder promptsPerBatch(int v) {
      return batchSize(v);
    }

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

    /** See {@link DpoObjective#type()}. */
    public Builder lossType(DpoLossType v) {
      lossType = v;
      return this;
    }

    /** See {@link DpoObjective#labelSmoothing()}. */
    public Builder labelSmoothing(double v) {
      labelSmoothing = v;
      return this;
    }

    /** See {@link DpoObjective#sftCoefficient()}. */
    public Builder sftCoefficient(double v) {
      sftCoefficient = v;
      return this;
    }

    /** Validates and builds. */
    public DpoConfig build() {
      return new DpoConfig(
          new DpoObjective(beta, lossType, labelSmoothing, sftCoefficient, rewardMargin),
          training());
    }
  }
}
