package io.rlhf4j.djl.train.ppo;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.ppo.AdaptiveKlController;
import io.rlhf4j.train.ppo.FixedKlController;
import io.rlhf4j.train.ppo.KlController;
import io.rlhf4j.train.ppo.KlEstimator;
import java.util.OptionalDouble;

/**
 * PPO settings with the defaults of InstructGPT and of Huang et al., "The N+ Implementation Details
 * of RLHF with PPO" (2024); each can be overridden.
 *
 * @param rolloutBatchSize episodes (prompts) per iteration
 * @param miniBatchSize episodes per gradient step; rolloutBatchSize / miniBatchSize steps per epoch
 * @param microBatchSize episodes per forward (and backward) pass, when scoring the rollout and
 *     within each minibatch, whose gradients accumulate exactly (each token weighted as in one pass
 *     over the minibatch): peak memory is set by this, not by the rollout. Defaults to
 *     miniBatchSize
 * @param ppoEpochs passes over each rollout batch (4)
 * @param sampling rollout sampling; temperature 0.7, and log-probabilities of policy and reference
 *     are taken at that same temperature. The whole tempered distribution is sampled: top-k, top-p
 *     and min-new-tokens are refused, since the ratio and the KL penalty are computed under the
 *     full softmax, and samples from a truncated one would make both biased (TRL fixes top_k = 0,
 *     top_p = 1 for its PPO rollouts for the same reason)
 * @param klCoefficient β, fixed (0.05) or the adaptive controller's start
 * @param adaptiveKl use Ziegler et al.'s adaptive controller instead of a fixed β
 * @param klTarget the adaptive controller's target KL (nats per sequence)
 * @param klHorizon the adaptive controller's horizon (episodes)
 * @param klEstimator the per-token penalty estimator (k1; k2, k3 selectable); the adaptive
 *     controller and the reported {@code kl} always use k1, whose units its target is in
 * @param missingEosScore the score given to a response that never emitted EOS, or empty (the
 *     default) to keep the reward model's score. The reward model is trained on cut-off responses
 *     as they are (without EOS) and reads them the same way in PPO, so it judges them itself; a
 *     fixed score (Huang et al. use −1) makes not finishing costly, but where no response can end
 *     within maxNewTokens it replaces every score and leaves no signal (the trainer warns)
 * @param gamma GAE discount (1)
 * @param lambda GAE λ (0.95)
 * @param whitenAdvantages whiten advantages over the batch (on)
 * @param clipRange ratio clip ε (0.2)
 * @param valueClipRange value clip ε_v (0.2)
 * @param ptxCoefficient γ of PPO-ptx; 0 disables the pretraining term
 * @param policyOptimizer AdamW for the policy
 * @param valueOptimizer AdamW for the value model; its learning rate sets how fast the value model
 *     learns. There is no value-loss coefficient: the value model has its own AdamW, which is
 *     invariant to a constant scale on its loss, so TRL's vf_coef would only move the clipping
 *     threshold here
 * @param seed seeds rollouts and minibatch order; iteration i uses streams derived from (seed, i)
 */
public record PpoConfig(
    int rolloutBatchSize,
    int miniBatchSize,
    int microBatchSize,
    int ppoEpochs,
    SamplingConfig sampling,
    double klCoefficient,
    boolean adaptiveKl,
    double klTarget,
    double klHorizon,
    KlEstimator klEstimator,
    OptionalDouble missingEosScore,
    double gamma,
    double lambda,
    boolean whitenAdvantages,
    double clipRange,
    double valueClipRange,
    double ptxCoefficient,
    AdamWConfig policyOptimizer,
    AdamWConfig valueOptimizer,
    long seed) {

  /** Validates on construction. */
  public PpoConfig {
    checkArgument(rolloutBatchSize >= 1, "rolloutBatchSize must be >= 1");
    checkArgument(
        miniBatchSize >= 1 && rolloutBatchSize % miniBatchSize == 0,
        "miniBatchSize (%s) must divide rolloutBatchSize (%s)",
        miniBatchSize,
        rolloutBatchSize);
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
    checkArgument(ptxCoefficient >= 0, "ptxCoefficient must be >= 0");
    checkNotNull(policyOptimizer, "policyOptimizer");
    checkNotNull(valueOptimizer, "valueOptimizer");
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
    return b;
  }

  /** Builds a {@link PpoConfig}. */
  public static final class Builder {
    private int rolloutBatchSize = 64;
    private int miniBatchSize = 16;
    private int microBatchSize = 0; // 0: the minibatch size
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

    private Builder() {}

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
      return new PpoConfig(
          rolloutBatchSize,
          miniBatchSize,
          microBatchSize == 0 ? miniBatchSize : microBatchSize,
          ppoEpochs,
          sampling,
          klCoefficient,
          adaptiveKl,
          klTarget,
          klHorizon,
          klEstimator,
          missingEosScore,
          gamma,
          lambda,
          whitenAdvantages,
          clipRange,
          valueClipRange,
          ptxCoefficient,
          policyOptimizer,
          valueOptimizer,
          seed);
    }
  }
}
