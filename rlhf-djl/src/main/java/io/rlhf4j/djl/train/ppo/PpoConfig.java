package io.rlhf4j.djl.train.ppo;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.rl.PolicyLoss;
import io.rlhf4j.djl.train.rl.PolicyLosses;
import io.rlhf4j.djl.train.rollout.RolloutSettings;
import io.rlhf4j.episode.EpisodeSettings;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.LrSchedule;
import io.rlhf4j.train.ppo.AdaptiveKlController;
import io.rlhf4j.train.ppo.FixedKlController;
import io.rlhf4j.train.ppo.KlController;
import io.rlhf4j.train.ppo.KlEstimator;
import io.rlhf4j.train.rl.AdvantageEstimator;
import io.rlhf4j.train.rl.AdvantageEstimators;
import io.rlhf4j.train.rl.CispoSurrogate;
import io.rlhf4j.train.rl.ClippedSurrogate;
import io.rlhf4j.train.rl.EstimatorSettings;
import io.rlhf4j.train.rl.GspoSurrogate;
import io.rlhf4j.train.rl.LossAggregation;
import io.rlhf4j.train.rl.PolicyObjective;
import io.rlhf4j.train.rl.ScoreFirstEstimator;
import io.rlhf4j.train.rl.SurrogateLoss;
import io.rlhf4j.train.rl.TruncatedImportanceSampling;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The RL family's settings (PPO, GRPO, Dr. GRPO, RLOO, REINFORCE++, GSPO, DAPO, CISPO and
 * estimators or losses a caller registers), built by {@link #builder()} or a preset. PPO's defaults
 * of InstructGPT and of Huang et al., "The N+ Implementation Details of RLHF with PPO" (2024); each
 * can be overridden.
 *
 * <p>The settings, each read by the accessor of the same name:
 *
 * <ul>
 *   <li>{@code rolloutBatchSize}: episodes (prompts) per iteration
 *   <li>{@code miniBatchSize}: episodes per gradient step; rolloutBatchSize / miniBatchSize steps
 *       per epoch
 *   <li>{@code microBatchSize}: episodes per forward (and backward) pass, when scoring the rollout
 *       and within each minibatch, whose gradients accumulate exactly (each token weighted as in
 *       one pass over the minibatch): peak memory is set by this, not by the rollout. Defaults to
 *       miniBatchSize
 *   <li>{@code gradientCheckpointing}: keep only each layer's input in the update's forward passes
 *       and recompute the layer in the backward pass (transformers' {@code
 *       gradient_checkpointing}), for the policy, the value model and the ptx term: activation
 *       memory of one layer instead of all, for one more forward pass (off)
 *   <li>{@code ppoEpochs}: passes over each rollout batch (4)
 *   <li>{@code sampling}: rollout sampling; temperature 0.7, and log-probabilities of policy and
 *       reference are taken at that same temperature. The whole tempered distribution is sampled:
 *       top-k, top-p and min-new-tokens are refused, since the ratio and the KL penalty are
 *       computed under the full softmax, and samples from a truncated one would make both biased
 *       (TRL fixes top_k = 0, top_p = 1 for its PPO rollouts for the same reason)
 *   <li>{@code klCoefficient}: β, fixed (0.05) or the adaptive controller's start
 *   <li>{@code adaptiveKl}: use Ziegler et al.'s adaptive controller instead of a fixed β
 *   <li>{@code klTarget}: the adaptive controller's target KL (nats per sequence)
 *   <li>{@code klHorizon}: the adaptive controller's horizon (episodes)
 *   <li>{@code klEstimator}: the per-token penalty estimator (k1; k2, k3 selectable); the adaptive
 *       controller and the reported {@code kl} always use k1, whose units its target is in
 *   <li>{@code missingEosScore}: the score given to a response that never emitted EOS, or empty
 *       (the default) to keep the reward model's score. The reward model is trained on cut-off
 *       responses as they are (without EOS) and reads them the same way in PPO, so it judges them
 *       itself; a fixed score (Huang et al. use −1) makes not finishing costly, but where no
 *       response can end within maxNewTokens it replaces every score and leaves no signal (the
 *       trainer warns)
 *   <li>{@code gamma}: GAE discount (1)
 *   <li>{@code lambda}: GAE λ (0.95)
 *   <li>{@code whitenAdvantages}: whiten advantages over the batch (on)
 *   <li>{@code clipRange}: ratio clip ε (0.2)
 *   <li>{@code valueClipRange}: value clip ε_v (0.2)
 *   <li>{@code ptxCoefficient}: γ of PPO-ptx; 0 disables the pretraining term
 *   <li>{@code policyOptimizer}: AdamW for the policy
 *   <li>{@code valueOptimizer}: AdamW for the value model; its learning rate sets how fast the
 *       value model learns. There is no value-loss coefficient: the value model has its own AdamW,
 *       which is invariant to a constant scale on its loss, so TRL's vf_coef would only move the
 *       clipping threshold here
 *   <li>{@code seed}: seeds rollouts and minibatch order; iteration i uses streams derived from
 *       (seed, i)
 *   <li>{@code estimator}: the advantage estimator's name in {@link AdvantageEstimators} ("gae"
 *       with a critic: PPO; or "grpo", "dr_grpo", "rloo", "reinforce_pp", which need no value
 *       model; or one the caller registered)
 *   <li>{@code samplesPerPrompt}: responses sampled per prompt (GRPO's group size; 1 for PPO): an
 *       iteration has rolloutBatchSize × samplesPerPrompt episodes
 *   <li>{@code klLossCoefficient}: β_kl of the KL to the reference as a loss term (GRPO's; 0:
 *       none). The KL in the reward is {@code klCoefficient}; set it to 0 when the KL is a loss
 *       term
 *   <li>{@code klLossEstimator}: the estimator of that term (k3, GRPO's)
 *   <li>{@code clipRangeHigh}: ε_high of the ratio clip, above 1 (DAPO's clip-higher); defaults to
 *       clipRange, which is then ε_low
 *   <li>{@code lossAggregation}: how token losses are combined (token mean)
 *   <li>{@code entropyCoefficient}: c_H of an entropy bonus (0: none)
 *   <li>{@code schedule}: the learning-rate multiplier per optimizer step of the policy and value
 *       model (constant)
 *   <li>{@code rolloutPartitions}: how many parts an iteration's prompts are cut into for making
 *       experience (1): each part, all samples of its prompts, is generated and scored as one
 *       batch, one after another in this process or side by side on a {@link
 *       io.rlhf4j.djl.train.rollout.RolloutBackend} such as Spark. Batch shapes change the last
 *       bits of a float sum, so the same partitions give bit-identical experience wherever they run
 *   <li>{@code policyLoss}: the policy loss's name in {@link PolicyLosses} ("ppo", the clipped
 *       surrogate; "gspo"; "cispo"; or one the caller registered)
 *   <li>{@code dynamicSamplingRounds}: DAPO's dynamic sampling (0: off): a group whose scores all
 *       tie carries no signal, so it is dropped and groups for further prompts are sampled in up to
 *       this many more rounds until the iteration has {@code rolloutBatchSize} groups with signal;
 *       if the rounds run out, tied groups fill the rest (they only add their KL term)
 *   <li>{@code overlongBuffer}: DAPO's soft overlong punishment (0: off): a response of L tokens
 *       with L &gt; maxNewTokens − buffer gets −overlongPenalty·(L − (maxNewTokens − buffer)) /
 *       buffer added to its score, reaching −overlongPenalty at the cap
 *   <li>{@code baselineScoresFirst}: OpenRLHF's order for the group estimators (off): baseline the
 *       scores alone, then add the KL penalty as a return-to-go ({@link ScoreFirstEstimator}); off,
 *       the score − β·ΣKL of each sequence is baselined, as verl and TRL do. The two agree when the
 *       KL is a loss term instead of in the reward
 *   <li>{@code overlongPenalty}: the punishment at the length cap (1, DAPO's)
 *   <li>{@code truncatedImportanceSampling}: the cap C of truncated importance sampling (0: off):
 *       each token's policy-gradient term is weighted by min(π_old / π_sampler, C), correcting for
 *       the difference between the sampler's log-probabilities (a cached decode, an executor's copy
 *       of the weights, another precision) and the trainer's recomputed π_old ({@link
 *       TruncatedImportanceSampling}); verl's {@code tis_imp_ratio_cap}, TRL's {@code
 *       vllm_importance_sampling_cap} (2 in both)
 *   <li>{@code environment}: multi-turn episodes ({@link EpisodeSettings}; empty: one response per
 *       prompt): the policy and an environment take turns; the environment's tokens are context,
 *       masked out of the loss, the KL and the advantages
 *   <li>{@code samplesToLog}: how many of each iteration's rollouts are reported to the listeners
 *       ({@link io.rlhf4j.train.MetricsListener#onSamples}, {@code samples.jsonl} in a run folder):
 *       prompt, response turn by turn, score (4; TRL's {@code num_completions_to_print})
 * </ul>
 */
public final class PpoConfig {
  private final int rolloutBatchSize;
  private final int miniBatchSize;
  private final int microBatchSize;
  private final boolean gradientCheckpointing;
  private final int ppoEpochs;
  private final SamplingConfig sampling;
  private final double klCoefficient;
  private final boolean adaptiveKl;
  private final double klTarget;
  private final double klHorizon;
  private final KlEstimator klEstimator;
  private final OptionalDouble missingEosScore;
  private final double gamma;
  private final double lambda;
  private final boolean whitenAdvantages;
  private final double clipRange;
  private final double valueClipRange;
  private final double ptxCoefficient;
  private final AdamWConfig policyOptimizer;
  private final AdamWConfig valueOptimizer;
  private final long seed;
  private final String estimator;
  private final int samplesPerPrompt;
  private final double klLossCoefficient;
  private final KlEstimator klLossEstimator;
  private final double clipRangeHigh;
  private final LossAggregation lossAggregation;
  private final double entropyCoefficient;
  private final LrSchedule schedule;
  private final int rolloutPartitions;
  private final String policyLoss;
  private final int dynamicSamplingRounds;
  private final int overlongBuffer;
  private final double overlongPenalty;
  private final boolean baselineScoresFirst;
  private final double truncatedImportanceSampling;
  // Transient: run folders record settings with Gson, and an environment is code (a lambda);
  // how many samples are logged changes nothing computed.
  private final transient EpisodeSettings environment;
  private final transient int samplesToLog;

  private PpoConfig(Builder b) {
    this.rolloutBatchSize = b.rolloutBatchSize;
    this.miniBatchSize = b.miniBatchSize;
    this.microBatchSize = b.microBatchSize == 0 ? b.miniBatchSize : b.microBatchSize;
    this.gradientCheckpointing = b.gradientCheckpointing;
    this.ppoEpochs = b.ppoEpochs;
    this.sampling = b.sampling;
    this.klCoefficient = b.klCoefficient;
    this.adaptiveKl = b.adaptiveKl;
    this.klTarget = b.klTarget;
    this.klHorizon = b.klHorizon;
    this.klEstimator = b.klEstimator;
    this.missingEosScore = b.missingEosScore;
    this.gamma = b.gamma;
    this.lambda = b.lambda;
    this.whitenAdvantages = b.whitenAdvantages;
    this.clipRange = b.clipRange;
    this.valueClipRange = b.valueClipRange;
    this.ptxCoefficient = b.ptxCoefficient;
    this.policyOptimizer = b.policyOptimizer;
    this.valueOptimizer = b.valueOptimizer;
    this.seed = b.seed;
    this.estimator = AdvantageEstimators.canonical(b.estimator);
    this.samplesPerPrompt = b.samplesPerPrompt;
    this.klLossCoefficient = b.klLossCoefficient;
    this.klLossEstimator = b.klLossEstimator;
    this.clipRangeHigh = b.clipRangeHigh == 0 ? b.clipRange : b.clipRangeHigh;
    this.lossAggregation = b.lossAggregation;
    this.entropyCoefficient = b.entropyCoefficient;
    this.schedule = b.schedule;
    this.rolloutPartitions = b.rolloutPartitions;
    this.policyLoss = PolicyLosses.canonical(b.policyLoss);
    this.dynamicSamplingRounds = b.dynamicSamplingRounds;
    this.overlongBuffer = b.overlongBuffer == -1 ? b.sampling.maxNewTokens() / 4 : b.overlongBuffer;
    this.overlongPenalty = b.overlongPenalty;
    this.baselineScoresFirst = b.baselineScoresFirst;
    this.truncatedImportanceSampling = b.truncatedImportanceSampling;
    this.environment = b.environment;
    this.samplesToLog = b.samplesToLog;
    validate();
  }

  private void validate() {
    checkArgument(rolloutBatchSize >= 1, "rolloutBatchSize must be >= 1");
    checkArgument(samplesPerPrompt >= 1, "samplesPerPrompt must be >= 1");
    checkArgument(
        miniBatchSize >= 1 && rolloutBatchSize * samplesPerPrompt % miniBatchSize == 0,
        "miniBatchSize (%s) must divide the episodes of an iteration (%s prompts × %s samples)",
        miniBatchSize,
        rolloutBatchSize,
        samplesPerPrompt);
    checkArgument(
        microBatchSize >= 1 && microBatchSize <= miniBatchSize,
        "microBatchSize (%s) must be in [1, miniBatchSize (%s)]",
        microBatchSize,
        miniBatchSize);
    checkArgument(ppoEpochs >= 1, "ppoEpochs must be >= 1");
    checkNotNull(sampling, "sampling");
    checkArgument(sampling.temperature() > 0, "PPO samples with a temperature > 0");
    checkArgument(
        sampling.topK() == 0,
        "PPO samples the whole distribution: topK must be 0 (got %s), since the ratio and the KL"
            + " are computed under the full softmax",
        sampling.topK());
    checkArgument(
        sampling.topP() == 1,
        "PPO samples the whole distribution: topP must be 1 (got %s), since the ratio and the KL"
            + " are computed under the full softmax",
        sampling.topP());
    checkArgument(
        sampling.minNewTokens() == 0,
        "PPO samples the whole distribution: minNewTokens must be 0 (got %s), since banning EOS"
            + " changes the distribution the ratio and the KL assume",
        sampling.minNewTokens());
    checkArgument(klCoefficient >= 0, "klCoefficient must be >= 0");
    checkArgument(!adaptiveKl || klCoefficient > 0, "the adaptive controller needs beta > 0");
    checkArgument(klTarget > 0 && klHorizon > 0, "klTarget and klHorizon must be > 0");
    checkNotNull(klEstimator, "klEstimator");
    checkNotNull(missingEosScore, "missingEosScore");
    checkArgument(gamma >= 0 && gamma <= 1 && lambda >= 0 && lambda <= 1, "gamma, lambda in [0,1]");
    checkArgument(clipRange > 0 && valueClipRange > 0, "clip ranges must be > 0");
    checkArgument(clipRange <= 1, "clipRange is ε_low, at most 1 (no lower clip): %s", clipRange);
    checkArgument(ptxCoefficient >= 0, "ptxCoefficient must be >= 0");
    checkNotNull(policyOptimizer, "policyOptimizer");
    checkNotNull(valueOptimizer, "valueOptimizer");
    checkNotNull(estimator, "estimator");
    checkArgument(
        samplesPerPrompt >= 2 || !advantageEstimator().needsGroups(),
        "%s compares the samples of a prompt: samplesPerPrompt must be >= 2",
        estimator);
    checkArgument(klLossCoefficient >= 0, "klLossCoefficient must be >= 0");
    checkNotNull(klLossEstimator, "klLossEstimator");
    // k1 = log π − log π_ref has zero expected gradient under on-policy samples: as a loss term it
    // only adds noise (OpenRLHF warns about it; GRPO uses k3).
    checkArgument(
        klLossCoefficient == 0 || klLossEstimator != KlEstimator.K1,
        "klLoss with K1: the k1 estimator as a loss term has zero expected gradient on-policy;"
            + " use K3 (GRPO's) or K2");
    checkArgument(clipRangeHigh > 0, "clipRangeHigh must be > 0");
    checkNotNull(lossAggregation, "lossAggregation");
    checkArgument(entropyCoefficient >= 0, "entropyCoefficient must be >= 0");
    checkNotNull(schedule, "schedule");
    checkArgument(
        rolloutPartitions >= 1 && rolloutPartitions <= rolloutBatchSize,
        "rolloutPartitions (%s) must be in [1, rolloutBatchSize (%s)]",
        rolloutPartitions,
        rolloutBatchSize);
    checkArgument(dynamicSamplingRounds >= 0, "dynamicSamplingRounds must be >= 0");
    checkArgument(
        dynamicSamplingRounds == 0 || samplesPerPrompt >= 2,
        "dynamic sampling drops groups whose scores tie: samplesPerPrompt must be >= 2");
    checkArgument(
        overlongBuffer >= 0 && overlongBuffer <= sampling.maxNewTokens(),
        "overlongBuffer (%s) must be in [0, maxNewTokens (%s)]",
        overlongBuffer,
        sampling.maxNewTokens());
    checkArgument(overlongPenalty >= 0, "overlongPenalty must be >= 0");
    checkArgument(
        !baselineScoresFirst
            || !List.of(
                    AdvantageEstimators.GAE,
                    AdvantageEstimators.REINFORCE_PP,
                    AdvantageEstimators.REINFORCE_PP_BASELINE)
                .contains(estimator),
        "baselineScoresFirst is for the group estimators; %s already adds the KL per token",
        estimator);
    checkArgument(
        truncatedImportanceSampling == 0 || truncatedImportanceSampling >= 1,
        "truncatedImportanceSampling is a cap >= 1 on the weight (0: off): %s",
        truncatedImportanceSampling);
  }

  /** See the list in the class comment. */
  public int rolloutBatchSize() {
    return rolloutBatchSize;
  }

  /** See the list in the class comment. */
  public int miniBatchSize() {
    return miniBatchSize;
  }

  /** See the list in the class comment. */
  public int microBatchSize() {
    return microBatchSize;
  }

  /** See the list in the class comment. */
  public boolean gradientCheckpointing() {
    return gradientCheckpointing;
  }

  /** See the list in the class comment. */
  public int ppoEpochs() {
    return ppoEpochs;
  }

  /** See the list in the class comment. */
  public SamplingConfig sampling() {
    return sampling;
  }

  /** See the list in the class comment. */
  public double klCoefficient() {
    return klCoefficient;
  }

  /** See the list in the class comment. */
  public boolean adaptiveKl() {
    return adaptiveKl;
  }

  /** See the list in the class comment. */
  public double klTarget() {
    return klTarget;
  }

  /** See the list in the class comment. */
  public double klHorizon() {
    return klHorizon;
  }

  /** See the list in the class comment. */
  public KlEstimator klEstimator() {
    return klEstimator;
  }

  /** See the list in the class comment. */
  public OptionalDouble missingEosScore() {
    return missingEosScore;
  }

  /** See the list in the class comment. */
  public double gamma() {
    return gamma;
  }

  /** See the list in the class comment. */
  public double lambda() {
    return lambda;
  }

  /** See the list in the class comment. */
  public boolean whitenAdvantages() {
    return whitenAdvantages;
  }

  /** See the list in the class comment. */
  public double clipRange() {
    return clipRange;
  }

  /** See the list in the class comment. */
  public double valueClipRange() {
    return valueClipRange;
  }

  /** See the list in the class comment. */
  public double ptxCoefficient() {
    return ptxCoefficient;
  }

  /** See the list in the class comment. */
  public AdamWConfig policyOptimizer() {
    return policyOptimizer;
  }

  /** See the list in the class comment. */
  public AdamWConfig valueOptimizer() {
    return valueOptimizer;
  }

  /** See the list in the class comment. */
  public long seed() {
    return seed;
  }

  /** See the list in the class comment. */
  public String estimator() {
    return estimator;
  }

  /** See the list in the class comment. */
  public int samplesPerPrompt() {
    return samplesPerPrompt;
  }

  /** See the list in the class comment. */
  public double klLossCoefficient() {
    return klLossCoefficient;
  }

  /** See the list in the class comment. */
  public KlEstimator klLossEstimator() {
    return klLossEstimator;
  }

  /** See the list in the class comment. */
  public double clipRangeHigh() {
    return clipRangeHigh;
  }

  /** See the list in the class comment. */
  public LossAggregation lossAggregation() {
    return lossAggregation;
  }

  /** See the list in the class comment. */
  public double entropyCoefficient() {
    return entropyCoefficient;
  }

  /** See the list in the class comment. */
  public LrSchedule schedule() {
    return schedule;
  }

  /** See the list in the class comment. */
  public int rolloutPartitions() {
    return rolloutPartitions;
  }

  /** See the list in the class comment. */
  public String policyLoss() {
    return policyLoss;
  }

  /** See the list in the class comment. */
  public int dynamicSamplingRounds() {
    return dynamicSamplingRounds;
  }

  /** See the list in the class comment. */
  public int overlongBuffer() {
    return overlongBuffer;
  }

  /** See the list in the class comment. */
  public double overlongPenalty() {
    return overlongPenalty;
  }

  /** See the list in the class comment. */
  public boolean baselineScoresFirst() {
    return baselineScoresFirst;
  }

  /** See the list in the class comment. */
  public double truncatedImportanceSampling() {
    return truncatedImportanceSampling;
  }

  /** See the list in the class comment. */
  public Optional<EpisodeSettings> environment() {
    return Optional.ofNullable(environment);
  }

  /** See the list in the class comment. */
  public int samplesToLog() {
    return samplesToLog;
  }

  /**
   * The stage name in metrics and checkpoints, the algorithm's: "dapo" with dynamic sampling, the
   * policy loss's name when it is not PPO's ("gspo", "cispo"), else "ppo" for GAE or the
   * estimator's name ("grpo", "rloo").
   */
  public String stageName() {
    if (dynamicSamplingRounds > 0) {
      return "dapo";
    }
    if (!policyLoss.equals(PolicyLosses.PPO)) {
      return policyLoss;
    }
    return estimator.equals(AdvantageEstimators.GAE) ? "ppo" : estimator;
  }

  /** The episodes of one iteration: prompts × samples per prompt. */
  public int episodes() {
    return rolloutBatchSize * samplesPerPrompt;
  }

  /** The estimator, with this configuration's γ, λ and whitening. */
  public AdvantageEstimator advantageEstimator() {
    AdvantageEstimator created =
        AdvantageEstimators.create(
            estimator, new EstimatorSettings(gamma, lambda, whitenAdvantages));
    return baselineScoresFirst ? new ScoreFirstEstimator(created, gamma) : created;
  }

  /** The policy loss, with this configuration's clip range. */
  public PolicyLoss newPolicyLoss() {
    return PolicyLosses.create(policyLoss, clipRange, clipRangeHigh);
  }

  /** Whether a value model takes part (only estimators with a critic use one). */
  public boolean usesCritic() {
    return advantageEstimator().needsCritic();
  }

  /** The policy loss's options, as the reference maths names them. */
  public PolicyObjective objective() {
    // The trainer reads only the options; the surrogate names the reference of the registered
    // loss, PPO's for a caller's own (which brings its own reference, if any).
    SurrogateLoss surrogate =
        switch (policyLoss) {
          case PolicyLosses.GSPO -> new GspoSurrogate(clipRange, clipRangeHigh);
          case PolicyLosses.CISPO -> new CispoSurrogate(clipRange, clipRangeHigh);
          default -> new ClippedSurrogate(clipRange, clipRangeHigh);
        };
    return new PolicyObjective(
        surrogate, klLossCoefficient, klLossEstimator, entropyCoefficient, lossAggregation);
  }

  /**
   * GRPO as TRL and DeepSeekMath run it: 4 samples per prompt, group-normalised rewards, no value
   * model, the KL to the reference as a k3 loss term (β_kl 0.04) instead of in the reward, and each
   * sequence's token mean averaged over sequences.
   */
  public static Builder grpo() {
    return builder()
        .estimator(AdvantageEstimators.GRPO)
        .samplesPerPrompt(4)
        .klCoefficient(0)
        .klLoss(0.04, KlEstimator.K3)
        .lossAggregation(LossAggregation.SEQ_MEAN_TOKEN_MEAN);
  }

  /** Dr. GRPO: GRPO's groups without the std division or the length normalisation, and no KL. */
  public static Builder drGrpo() {
    return grpo()
        .estimator(AdvantageEstimators.DR_GRPO)
        .klLoss(0, KlEstimator.K3)
        .lossAggregation(LossAggregation.SEQ_MEAN_TOKEN_SUM);
  }

  /** RLOO as TRL runs it: 4 samples per prompt, leave-one-out baseline, KL (k1) in the reward. */
  public static Builder rloo() {
    return builder().estimator(AdvantageEstimators.RLOO).samplesPerPrompt(4);
  }

  /** REINFORCE++: one sample per prompt, KL in the reward, returns whitened over the batch. */
  public static Builder reinforcePlusPlus() {
    return builder().estimator(AdvantageEstimators.REINFORCE_PP);
  }

  /**
   * GSPO (Zheng et al. 2025) as verl's recipe runs it: GRPO's groups and advantages, one clipped
   * importance ratio per sequence (ε_low 3e-4, ε_high 4e-4), the sequence mean of token means, and
   * no KL term.
   */
  public static Builder gspo() {
    return grpo()
        .policyLoss(PolicyLosses.GSPO)
        .clipRange(3e-4)
        .clipRangeHigh(4e-4)
        .klLoss(0, KlEstimator.K3);
  }

  /**
   * CISPO (MiniMax-M1, Chen et al. 2025): GRPO's groups, every token's log-likelihood weighted by
   * its importance ratio clipped to at most 1 + 0.28 and held constant (no lower bound), a token
   * mean over the minibatch, and no KL term.
   */
  public static Builder cispo() {
    return grpo()
        .policyLoss(PolicyLosses.CISPO)
        .clipRange(1.0)
        .clipRangeHigh(0.28)
        .klLoss(0, KlEstimator.K3)
        .lossAggregation(LossAggregation.TOKEN_MEAN);
  }

  /**
   * DAPO (Yu et al. 2025): GRPO's groups with clip-higher (ε_low 0.2, ε_high 0.28), a token mean
   * over the whole minibatch, no KL, dynamic sampling (up to 3 more rounds) and soft overlong
   * punishment over the last quarter of maxNewTokens.
   */
  public static Builder dapo() {
    return grpo()
        .clipRange(0.2)
        .clipRangeHigh(0.28)
        .klLoss(0, KlEstimator.K3)
        .lossAggregation(LossAggregation.TOKEN_MEAN)
        .dynamicSampling(3)
        .overlongShaping(-1, 1.0);
  }

  /** What making experience needs to know, for a worker that may run in another JVM. */
  public RolloutSettings rolloutSettings() {
    return new RolloutSettings(
        sampling,
        seed,
        microBatchSize,
        missingEosScore.isPresent() ? missingEosScore.getAsDouble() : null,
        environment);
  }

  /** A fresh KL controller for this configuration. */
  public KlController newKlController() {
    return adaptiveKl
        ? new AdaptiveKlController(klCoefficient, klTarget, klHorizon)
        : new FixedKlController(klCoefficient);
  }

  /** The defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.rolloutBatchSize = rolloutBatchSize;
    b.miniBatchSize = miniBatchSize;
    // A micro-batch equal to the minibatch stays "the minibatch" if the minibatch changes.
    b.microBatchSize = microBatchSize == miniBatchSize ? 0 : microBatchSize;
    b.gradientCheckpointing = gradientCheckpointing;
    b.ppoEpochs = ppoEpochs;
    b.sampling = sampling;
    b.klCoefficient = klCoefficient;
    b.adaptiveKl = adaptiveKl;
    b.klTarget = klTarget;
    b.klHorizon = klHorizon;
    b.klEstimator = klEstimator;
    b.missingEosScore = missingEosScore;
    b.gamma = gamma;
    b.lambda = lambda;
    b.whitenAdvantages = whitenAdvantages;
    b.clipRange = clipRange;
    b.valueClipRange = valueClipRange;
    b.ptxCoefficient = ptxCoefficient;
    b.policyOptimizer = policyOptimizer;
    b.valueOptimizer = valueOptimizer;
    b.seed = seed;
    b.estimator = estimator;
    b.samplesPerPrompt = samplesPerPrompt;
    b.klLossCoefficient = klLossCoefficient;
    b.klLossEstimator = klLossEstimator;
    b.clipRangeHigh = clipRangeHigh == clipRange ? 0 : clipRangeHigh;
    b.lossAggregation = lossAggregation;
    b.entropyCoefficient = entropyCoefficient;
    b.schedule = schedule;
    b.rolloutPartitions = rolloutPartitions;
    b.policyLoss = policyLoss;
    b.dynamicSamplingRounds = dynamicSamplingRounds;
    b.overlongBuffer = overlongBuffer;
    b.overlongPenalty = overlongPenalty;
    b.baselineScoresFirst = baselineScoresFirst;
    b.truncatedImportanceSampling = truncatedImportanceSampling;
    b.environment = environment;
    b.samplesToLog = samplesToLog;
    return b;
  }

  /** Builds a {@link PpoConfig}. */
  public static final class Builder {
    private int rolloutBatchSize = 64;
    private int miniBatchSize = 16;
    private int microBatchSize = 0; // 0: the minibatch size
    private boolean gradientCheckpointing = false;
    private int ppoEpochs = 4;
    private SamplingConfig sampling =
        SamplingConfig.builder().temperature(0.7).maxNewTokens(64).build();
    private double klCoefficient = 0.05;
    private boolean adaptiveKl = false;
    private double klTarget = 6.0;
    private double klHorizon = 10_000;
    private KlEstimator klEstimator = KlEstimator.K1;
    private OptionalDouble missingEosScore = OptionalDouble.empty();
    private double gamma = 1.0;
    private double lambda = 0.95;
    private boolean whitenAdvantages = true;
    private double clipRange = 0.2;
    private double valueClipRange = 0.2;
    private double ptxCoefficient = 0.0;
    private AdamWConfig policyOptimizer = AdamWConfig.of(1e-5);
    private AdamWConfig valueOptimizer = AdamWConfig.of(1e-5);
    private long seed = 0;
    private String estimator = AdvantageEstimators.GAE;
    private int samplesPerPrompt = 1;
    private double klLossCoefficient = 0;
    private KlEstimator klLossEstimator = KlEstimator.K3;
    private double clipRangeHigh = 0; // 0: clipRange
    private LossAggregation lossAggregation = LossAggregation.TOKEN_MEAN;
    private double entropyCoefficient = 0;
    private LrSchedule schedule = LrSchedule.constant();
    private int rolloutPartitions = 1;
    private String policyLoss = PolicyLosses.PPO;
    private int dynamicSamplingRounds = 0;
    private int overlongBuffer = 0; // -1: a quarter of maxNewTokens
    private double overlongPenalty = 1.0;
    private boolean baselineScoresFirst = false;
    private double truncatedImportanceSampling = 0;
    private EpisodeSettings environment;
    private int samplesToLog = 4;

    private Builder() {}

    /** See {@link PpoConfig#samplesToLog()}; 0 logs none. */
    public Builder logSamples(int n) {
      checkArgument(n >= 0, "logSamples must be >= 0: %s", n);
      samplesToLog = n;
      return this;
    }

    /** See {@link PpoConfig#environment()}; null for one response per prompt. */
    public Builder environment(EpisodeSettings v) {
      environment = v;
      return this;
    }

    /** See {@link PpoConfig#truncatedImportanceSampling()}; 0 turns it off. */
    public Builder truncatedImportanceSampling(double cap) {
      truncatedImportanceSampling = cap;
      return this;
    }

    /** See {@link PpoConfig#baselineScoresFirst()}. */
    public Builder baselineScoresFirst(boolean v) {
      baselineScoresFirst = v;
      return this;
    }

    /** See {@link PpoConfig#policyLoss()}: a name in {@link PolicyLosses}. */
    public Builder policyLoss(String v) {
      policyLoss = v;
      return this;
    }

    /** See {@link PpoConfig#dynamicSamplingRounds()}; 0 turns it off. */
    public Builder dynamicSampling(int maxExtraRounds) {
      dynamicSamplingRounds = maxExtraRounds;
      return this;
    }

    /**
     * DAPO's soft overlong punishment over the last {@code buffer} tokens before maxNewTokens (−1:
     * a quarter of maxNewTokens; 0: off), reaching −{@code penalty} at the cap.
     */
    public Builder overlongShaping(int buffer, double penalty) {
      checkArgument(buffer >= -1, "overlong buffer must be >= -1: %s", buffer);
      overlongBuffer = buffer;
      overlongPenalty = penalty;
      return this;
    }

    /** See {@link PpoConfig#rolloutPartitions()}. */
    public Builder rolloutPartitions(int v) {
      rolloutPartitions = v;
      return this;
    }

    /** See {@link PpoConfig#estimator()}: a name in {@link AdvantageEstimators}. */
    public Builder estimator(String v) {
      estimator = v;
      return this;
    }

    /** See {@link PpoConfig#samplesPerPrompt()}. */
    public Builder samplesPerPrompt(int v) {
      samplesPerPrompt = v;
      return this;
    }

    /** The KL to the reference as a loss term: β_kl and its estimator. */
    public Builder klLoss(double coefficient, KlEstimator v) {
      klLossCoefficient = coefficient;
      klLossEstimator = v;
      return this;
    }

    /** See {@link PpoConfig#clipRangeHigh()}. */
    public Builder clipRangeHigh(double v) {
      clipRangeHigh = v;
      return this;
    }

    /** See {@link PpoConfig#lossAggregation()}. */
    public Builder lossAggregation(LossAggregation v) {
      lossAggregation = v;
      return this;
    }

    /** See {@link PpoConfig#entropyCoefficient()}. */
    public Builder entropyCoefficient(double v) {
      entropyCoefficient = v;
      return this;
    }

    /** See {@link PpoConfig#schedule()}. */
    public Builder schedule(LrSchedule v) {
      schedule = v;
      return this;
    }

    /** See {@link PpoConfig#rolloutBatchSize()}. */
    public Builder rolloutBatchSize(int v) {
      rolloutBatchSize = v;
      return this;
    }

    /** See {@link PpoConfig#miniBatchSize()}. */
    public Builder miniBatchSize(int v) {
      miniBatchSize = v;
      return this;
    }

    /** See {@link PpoConfig#gradientCheckpointing()}. */
    public Builder gradientCheckpointing(boolean v) {
      gradientCheckpointing = v;
      return this;
    }

    /** See {@link PpoConfig#microBatchSize()}. */
    public Builder microBatchSize(int v) {
      checkArgument(v >= 1, "microBatchSize must be >= 1");
      microBatchSize = v;
      return this;
    }

    /** See {@link PpoConfig#ppoEpochs()}. */
    public Builder ppoEpochs(int v) {
      ppoEpochs = v;
      return this;
    }

    /** See {@link PpoConfig#sampling()}. */
    public Builder sampling(SamplingConfig v) {
      sampling = v;
      return this;
    }

    /** See {@link PpoConfig#klCoefficient()}. */
    public Builder klCoefficient(double v) {
      klCoefficient = v;
      return this;
    }

    /** Adaptive KL control towards {@code target} over {@code horizon} episodes. */
    public Builder adaptiveKl(double target, double horizon) {
      adaptiveKl = true;
      klTarget = target;
      klHorizon = horizon;
      return this;
    }

    /** See {@link PpoConfig#klEstimator()}. */
    public Builder klEstimator(KlEstimator v) {
      klEstimator = v;
      return this;
    }

    /** See {@link PpoConfig#missingEosScore()}. */
    public Builder missingEosScore(OptionalDouble v) {
      missingEosScore = v;
      return this;
    }

    /** See {@link PpoConfig#gamma()} and {@link PpoConfig#lambda()}. */
    public Builder gae(double gammaValue, double lambdaValue) {
      gamma = gammaValue;
      lambda = lambdaValue;
      return this;
    }

    /** See {@link PpoConfig#whitenAdvantages()}. */
    public Builder whitenAdvantages(boolean v) {
      whitenAdvantages = v;
      return this;
    }

    /** See {@link PpoConfig#clipRange()}. */
    public Builder clipRange(double v) {
      clipRange = v;
      return this;
    }

    /** See {@link PpoConfig#valueClipRange()}. */
    public Builder valueClipRange(double v) {
      valueClipRange = v;
      return this;
    }

    /** See {@link PpoConfig#ptxCoefficient()}. */
    public Builder ptxCoefficient(double v) {
      ptxCoefficient = v;
      return this;
    }

    /** See {@link PpoConfig#policyOptimizer()}. */
    public Builder policyOptimizer(AdamWConfig v) {
      policyOptimizer = v;
      return this;
    }

    /** See {@link PpoConfig#valueOptimizer()}. */
    public Builder valueOptimizer(AdamWConfig v) {
      valueOptimizer = v;
      return this;
    }

    /** See {@link PpoConfig#seed()}. */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** Validates and builds. */
    public PpoConfig build() {
      return new PpoConfig(this);
    }
  }
}
