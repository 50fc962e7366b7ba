package io.rlhf4j.examples.demo;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the demo run can be told; the defaults run the whole loop on stories260K in a few
 * minutes on two CPU cores.
 *
 * @param model the base model folder
 * @param prompts a prompt file (one per line), or empty for {@link StoryPrompts#builtIn()}
 * @param output the run folder
 * @param seed seeds prompt split, sampling, labels and training
 * @param candidates N of best-of-N when picking demonstrations from base-model samples
 * @param sftEpochs passes over the demonstrations
 * @param k responses the rater ranks per prompt
 * @param labelPrompts prompts ranked per round
 * @param raterTemperature τ of the rater's Bradley-Terry noise (score units)
 * @param rewardEpochs passes over the rankings per reward-model fit
 * @param rounds RLHF rounds (round 1 ranks SFT samples; later rounds rank the current policy's)
 * @param ppoIterations PPO iterations per round
 * @param rolloutBatch episodes per PPO iteration
 * @param maxNewTokens response length cap
 * @param policyLearningRate PPO's policy learning rate (the value model uses ten times more)
 * @param initialBeta the adaptive KL controller's starting β
 * @param klTarget the adaptive KL controller's target (nats per response)
 * @param lowBeta the fixed, too-small β of the over-optimisation run
 * @param lowKlIterations PPO iterations of the over-optimisation run
 * @param evalPrompts held-out prompts for the before/after table
 * @param evalSamples samples per held-out prompt and policy
 */
public record DemoSettings(
    Path model,
    Optional<Path> prompts,
    Path output,
    long seed,
    int candidates,
    int sftEpochs,
    int k,
    int labelPrompts,
    double raterTemperature,
    int rewardEpochs,
    int rounds,
    int ppoIterations,
    int rolloutBatch,
    int maxNewTokens,
    double policyLearningRate,
    double initialBeta,
    double klTarget,
    double lowBeta,
    int lowKlIterations,
    int evalPrompts,
    int evalSamples) {
  /** Validates every field. */
  public DemoSettings {
    checkNotNull(model, "model");
    checkNotNull(prompts, "prompts");
    checkNotNull(output, "output");
    checkArgument(candidates >= 1, "candidates must be >= 1, got %s", candidates);
    checkArgument(sftEpochs >= 1, "sft-epochs must be >= 1, got %s", sftEpochs);
    checkArgument(k >= 2, "k must be >= 2, got %s", k);
    checkArgument(labelPrompts >= 2, "label-prompts must be >= 2, got %s", labelPrompts);
    checkArgument(raterTemperature > 0, "rater-temperature must be > 0, got %s", raterTemperature);
    checkArgument(rewardEpochs >= 1, "reward-epochs must be >= 1, got %s", rewardEpochs);
    checkArgument(rounds >= 1, "rounds must be >= 1, got %s", rounds);
    checkArgument(ppoIterations >= 1, "ppo-iterations must be >= 1, got %s", ppoIterations);
    checkArgument(
        rolloutBatch >= 4 && rolloutBatch % 4 == 0,
        "batch must be a multiple of 4 (four PPO minibatches), got %s",
        rolloutBatch);
    checkArgument(maxNewTokens >= 4, "max-new-tokens must be >= 4, got %s", maxNewTokens);
    checkArgument(policyLearningRate > 0, "lr must be > 0, got %s", policyLearningRate);
    checkArgument(initialBeta >= 0, "beta must be >= 0, got %s", initialBeta);
    checkArgument(klTarget > 0, "kl-target must be > 0, got %s", klTarget);
    checkArgument(lowBeta >= 0, "low-beta must be >= 0, got %s", lowBeta);
    checkArgument(lowKlIterations >= 0, "low-kl-iterations must be >= 0, got %s", lowKlIterations);
    checkArgument(evalPrompts >= 1, "eval-prompts must be >= 1, got %s", evalPrompts);
    checkArgument(evalSamples >= 1, "eval-samples must be >= 1, got %s", evalSamples);
  }

  /**
   * Every setting that decides what a run computes, by its command-line flag ({@code --seed}), for
   * the run folder's record; the output folder itself is not one of them.
   */
  public Map<String, Object> flags() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("--model", model.toString());
    m.put("--prompts", prompts.map(Path::toString).orElse("(built in)"));
    m.put("--seed", seed);
    m.put("--candidates", candidates);
    m.put("--sft-epochs", sftEpochs);
    m.put("--k", k);
    m.put("--label-prompts", labelPrompts);
    m.put("--rater-temperature", raterTemperature);
    m.put("--reward-epochs", rewardEpochs);
    m.put("--rounds", rounds);
    m.put("--ppo-iterations", ppoIterations);
    m.put("--batch", rolloutBatch);
    m.put("--max-new-tokens", maxNewTokens);
    m.put("--lr", policyLearningRate);
    m.put("--beta", initialBeta);
    m.put("--kl-target", klTarget);
    m.put("--low-beta", lowBeta);
    m.put("--low-kl-iterations", lowKlIterations);
    m.put("--eval-prompts", evalPrompts);
    m.put("--eval-samples", evalSamples);
    return m;
  }

  /** The defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.model = model;
    b.prompts = prompts;
    b.output = output;
    b.seed = seed;
    b.candidates = candidates;
    b.sftEpochs = sftEpochs;
    b.k = k;
    b.labelPrompts = labelPrompts;
    b.raterTemperature = raterTemperature;
    b.rewardEpochs = rewardEpochs;
    b.rounds = rounds;
    b.ppoIterations = ppoIterations;
    b.rolloutBatch = rolloutBatch;
    b.maxNewTokens = maxNewTokens;
    b.policyLearningRate = policyLearningRate;
    b.initialBeta = initialBeta;
    b.klTarget = klTarget;
    b.lowBeta = lowBeta;
    b.lowKlIterations = lowKlIterations;
    b.evalPrompts = evalPrompts;
    b.evalSamples = evalSamples;
    return b;
  }

  /** Fluent construction; each setter names a command-line flag. */
  public static final class Builder {
    private Path model = Path.of("../shared/models/stories260K");
    private Optional<Path> prompts = Optional.empty();
    private Path output = Path.of("rlhf-demo");
    private long seed = 0;
    private int candidates = 8;
    private int sftEpochs = 3;
    private int k = 4;
    private int labelPrompts = 96;
    private double raterTemperature = 0.5;
    private int rewardEpochs = 3;
    private int rounds = 2;
    private int ppoIterations = 20;
    private int rolloutBatch = 64;
    private int maxNewTokens = 48;
    private double policyLearningRate = 1e-4;
    private double initialBeta = 0.2;
    private double klTarget = 6;
    private double lowBeta = 0.002;
    private int lowKlIterations = 60;
    private int evalPrompts = 32;
    private int evalSamples = 4;

    private Builder() {}

    /** --model */
    public Builder model(Path v) {
      model = v;
      return this;
    }

    /** --prompts */
    public Builder prompts(Path v) {
      prompts = Optional.ofNullable(v);
      return this;
    }

    /** --output */
    public Builder output(Path v) {
      output = v;
      return this;
    }

    /** --seed */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** --candidates */
    public Builder candidates(int v) {
      candidates = v;
      return this;
    }

    /** --sft-epochs */
    public Builder sftEpochs(int v) {
      sftEpochs = v;
      return this;
    }

    /** --k */
    public Builder k(int v) {
      k = v;
      return this;
    }

    /** --label-prompts */
    public Builder labelPrompts(int v) {
      labelPrompts = v;
      return this;
    }

    /** --rater-temperature */
    public Builder raterTemperature(double v) {
      raterTemperature = v;
      return this;
    }

    /** --reward-epochs */
    public Builder rewardEpochs(int v) {
      rewardEpochs = v;
      return this;
    }

    /** --rounds */
    public Builder rounds(int v) {
      rounds = v;
      return this;
    }

    /** --ppo-iterations */
    public Builder ppoIterations(int v) {
      ppoIterations = v;
      return this;
    }

    /** --batch */
    public Builder rolloutBatch(int v) {
      rolloutBatch = v;
      return this;
    }

    /** --max-new-tokens */
    public Builder maxNewTokens(int v) {
      maxNewTokens = v;
      return this;
    }

    /** --lr */
    public Builder policyLearningRate(double v) {
      policyLearningRate = v;
      return this;
    }

    /** --beta */
    public Builder initialBeta(double v) {
      initialBeta = v;
      return this;
    }

    /** --kl-target */
    public Builder klTarget(double v) {
      klTarget = v;
      return this;
    }

    /** --low-beta */
    public Builder lowBeta(double v) {
      lowBeta = v;
      return this;
    }

    /** --low-kl-iterations */
    public Builder lowKlIterations(int v) {
      lowKlIterations = v;
      return this;
    }

    /** --eval-prompts */
    public Builder evalPrompts(int v) {
      evalPrompts = v;
      return this;
    }

    /** --eval-samples */
    public Builder evalSamples(int v) {
      evalSamples = v;
      return this;
    }

    /** Validates and builds. */
    public DemoSettings build() {
      return new DemoSettings(
          model,
          prompts,
          output,
          seed,
          candidates,
          sftEpochs,
          k,
          labelPrompts,
          raterTemperature,
          rewardEpochs,
          rounds,
          ppoIterations,
          rolloutBatch,
          maxNewTokens,
          policyLearningRate,
          initialBeta,
          klTarget,
          lowBeta,
          lowKlIterations,
          evalPrompts,
          evalSamples);
    }
  }
}
