package io.rlhf4j.examples.train;

import io.rlhf4j.api.Rlhf;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.reward.RewardConfig;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.WeightedReward;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The RL commands: SFT on demonstrations, a reward model on preferences, then RL on prompts with
 * the algorithm the command names ({@code ppo}, {@code grpo}, {@code rloo}, {@code reinforce++},
 * {@code gspo}, {@code dapo}, {@code cispo}), each starting from its preset in {@link PpoConfig};
 * {@code --estimator} and {@code --policy-loss} swap in any registered estimator or loss; writes
 * {@code RUN/policy}.
 */
public abstract class RlCommand extends PipelineCommand {
  private final PpoConfig preset = preset().build();
  private static final RewardConfig REWARD = RewardConfig.builder().build();

  @Option(
      names = "--prompts",
      description = "prompts for RL: .txt one per line, or JSONL (required)")
  Path prompts;

  @Option(names = "--iterations", description = "RL iterations (default: ${DEFAULT-VALUE})")
  int iterations = 20;

  @Option(
      names = "--reward-epochs",
      description = "reward-model epochs (default: ${DEFAULT-VALUE})")
  int rewardEpochs = REWARD.training().epochs();

  @Option(
      names = "--reward-lr",
      description = "reward-model learning rate (default: ${DEFAULT-VALUE})")
  double rewardLr = REWARD.training().optimizer().learningRate();

  @Option(
      names = "--rollout-batch",
      description = "prompts per iteration (default: ${DEFAULT-VALUE})")
  int rolloutBatch = preset.rolloutBatchSize();

  @Option(
      names = "--samples-per-prompt",
      description = "responses per prompt, the group size (default: ${DEFAULT-VALUE})")
  int samplesPerPrompt = preset.samplesPerPrompt();

  @Option(
      names = "--mini-batch",
      description =
          "episodes per gradient step; divides batch × samples (default: ${DEFAULT-VALUE})")
  int miniBatch = preset.miniBatchSize();

  @Option(
      names = "--ppo-epochs",
      description = "passes over each batch (default: ${DEFAULT-VALUE})")
  int ppoEpochs = preset.ppoEpochs();

  @Option(
      names = "--max-new-tokens",
      description = "response length cap (default: ${DEFAULT-VALUE})")
  int maxNewTokens = preset.sampling().maxNewTokens();

  @Option(names = "--temperature", description = "sampling temperature (default: ${DEFAULT-VALUE})")
  double temperature = preset.sampling().temperature();

  @Option(names = "--lr", description = "policy learning rate (default: ${DEFAULT-VALUE})")
  double lr = preset.policyOptimizer().learningRate();

  @Option(
      names = "--kl-coef",
      description = "beta of the KL penalty in the reward (default: ${DEFAULT-VALUE})")
  double klCoef = preset.klCoefficient();

  @Option(
      names = "--kl-target",
      description = "adaptive KL controller's target in nats; 0 keeps beta fixed (default: 0)")
  double klTarget = 0;

  @Option(
      names = "--estimator",
      description =
          "advantage estimator: gae, grpo, dr_grpo, rloo, reinforce_pp, reinforce_pp_baseline"
              + " (OpenRLHF's names too); default: the command's")
  String estimator;

  @Option(
      names = "--policy-loss",
      description = "policy loss: ppo (clipped surrogate), gspo or cispo; default: the command's")
  String policyLoss;

  @Option(
      names = "--truncated-is",
      paramLabel = "CAP",
      description =
          "truncated importance sampling: weight each token's policy-gradient term by"
              + " min(pi_old/pi_sampler, CAP), 2 in verl and TRL (default: off)")
  double truncatedIs;

  @Option(
      names = "--baseline-scores-first",
      description =
          "OpenRLHF's order for grpo, dr_grpo, rloo: baseline the scores, then add the KL per"
              + " token (default: verl's and TRL's, baseline score - beta*KL per sequence)")
  boolean baselineScoresFirst;

  @Option(
      names = "--reward",
      split = ",",
      paramLabel = "SPEC",
      description =
          "a reward instead of a reward model trained on --preferences, [WEIGHT*]KIND[:ARG]:"
              + " final-answer:FILE, matches:REGEX, json, max-length:N, remote:URL,"
              + " judge:URL@MODEL; repeat or list them to combine (weight 0: reported only)")
  List<String> rewards = new ArrayList<>();

  @Option(
      names = "--reward-model",
      paramLabel = "DIR",
      description =
          "a trained reward model folder (e.g. RUN/round-1/reward) instead of training one")
  Path rewardModel;

  @Option(
      names = "--eval-prompts",
      description =
          "held-out prompts (.txt or JSONL) to evaluate the policy on during RL; the best policy"
              + " is kept in RUN/round-N/STAGE-best")
  Path evalPrompts;

  @Option(
      names = "--eval-every",
      description = "iterations between evaluations (default: ${DEFAULT-VALUE})")
  int evalEvery = 5;

  @Option(
      names = "--eval-samples",
      description = "responses per evaluation prompt, the k of pass@k (default: ${DEFAULT-VALUE})")
  int evalSamples = 4;

  @Option(
      names = "--pass-threshold",
      description = "score that counts as a pass (default: ${DEFAULT-VALUE})")
  double passThreshold = 1.0;

  @Option(
      names = "--rollout-partitions",
      description =
          "shards each iteration's rollout is made in; with --spark, one Spark task each"
              + " (default: ${DEFAULT-VALUE})")
  int rolloutPartitions = preset.rolloutPartitions();

  @Option(
      names = "--spark",
      description =
          "make the rollouts on Spark executors, the learner in this JVM; run under spark-submit."
              + " The result equals the one-process run with the same --rollout-partitions")
  boolean spark;

  /** The algorithm's starting configuration. */
  protected abstract PpoConfig.Builder preset();

  @Override
  protected void validate() {
    if (prompts == null) {
      throw usage("missing --prompts (or 'prompts' in --config)");
    }
    int sources = (preferences != null ? 1 : 0) + (rewards.isEmpty() ? 0 : 1);
    sources += rewardModel != null ? 1 : 0;
    if (sources != 1) {
      throw usage(
          "give the reward one way: --preferences (a reward model is trained on them),"
              + " --reward SPEC, or --reward-model DIR");
    }
  }

  @Override
  protected Training prepare() throws IOException {
    // Declared rewards first: a bad one is refused before anything (the metrics file) is written.
    // Files they name are read from the working directory, as every other path.
    List<WeightedReward.Term> terms = RewardSpec.parseAll(rewards, Path.of(""));
    RewardConfig reward =
        RewardConfig.builder()
            .epochs(rewardEpochs)
            .maxLength(maxLength)
            .optimizer(AdamWConfig.of(rewardLr))
            .seed(seed)
            .checkpointEverySteps(checkpointEvery)
            .gradientCheckpointing(gradientCheckpointing)
            .build();
    PpoConfig.Builder rl =
        preset()
            .rolloutBatchSize(rolloutBatch)
            .samplesPerPrompt(samplesPerPrompt)
            .miniBatchSize(miniBatch)
            .ppoEpochs(ppoEpochs)
            .sampling(
                SamplingConfig.builder()
                    .maxNewTokens(maxNewTokens)
                    .temperature(temperature)
                    .seed(seed)
                    .build())
            .policyOptimizer(AdamWConfig.of(lr))
            .valueOptimizer(AdamWConfig.of(lr))
            .klCoefficient(klCoef)
            .rolloutPartitions(rolloutPartitions)
            .gradientCheckpointing(gradientCheckpointing)
            .seed(seed);
    if (klTarget > 0) {
      rl.adaptiveKl(klTarget, 10_000);
    }
    if (estimator != null) {
      rl.estimator(estimator);
    }
    rl.baselineScoresFirst(baselineScoresFirst);
    if (policyLoss != null) {
      rl.policyLoss(policyLoss);
    }
    rl.truncatedImportanceSampling(truncatedIs);
    List<String> promptTexts = userData().prompts(prompts);
    PpoConfig config = rl.build();
    // Each builder call returns a new pipeline: the last one is the one to run.
    Rlhf.Pipeline built = pipeline();
    if (preferences != null) {
      built = built.thenRewardModel(preferences(), reward);
    }
    built = built.thenRl(promptTexts, config, iterations);
    if (evalPrompts != null) {
      built =
          built.evaluateOn(userData().prompts(evalPrompts), evalEvery, evalSamples, passThreshold);
    }
    for (WeightedReward.Term term : terms) {
      built = built.rewardBatch(term.name(), term.weight(), term.batch());
    }
    Rlhf.Pipeline pipeline = built;
    if (rewardModel == null) {
      return device -> train(pipeline.device(device));
    }
    PretrainedModel.check(rewardModel);
    return device -> {
      try (PretrainedModel rm = PretrainedModel.load(rewardModel, device)) {
        checkSameTokenizer(rm);
        train(pipeline.rewardModel(new DjlRewardModel(rm.model(), 16)).device(device));
      }
    };
  }

  // A reward model reads the policy's token ids: its tokenizer must be the policy's. (The policy's
  // folder is read once more for its tokenizer; there is no tokenizer-only loader.)
  private void checkSameTokenizer(PretrainedModel rm) {
    String probe = "A check: does 1 tokenizer read this text as the other does?";
    try (PretrainedModel policy = PretrainedModel.load(model, ai.djl.Device.cpu())) {
      if (!java.util.Arrays.equals(
          policy.tokenizer().encode(probe, true), rm.tokenizer().encode(probe, true))) {
        throw usage(
            "--reward-model " + rewardModel + " has another tokenizer than --model " + model);
      }
    }
  }

  private void train(Rlhf.Pipeline pipeline) throws IOException {
    if (!spark) {
      run(pipeline);
      return;
    }
    SparkCluster cluster;
    try {
      cluster = SparkCluster.open("rlhf4j " + spec.name());
    } catch (NoClassDefFoundError e) {
      throw usage("--spark: Spark is not on the class path; run the command under spark-submit");
    }
    try (cluster) {
      run(pipeline.rolloutsOn(cluster.rollouts()));
    }
  }

  private void run(Rlhf.Pipeline pipeline) throws IOException {
    try (var result = pipeline.run(out)) {
      System.err.println(spec.name() + " done: " + result.policyFolder());
    }
  }

  /** {@code ppo}: InstructGPT's PPO with a value model and the KL in the reward. */
  @Command(
      name = "ppo",
      mixinStandardHelpOptions = true,
      description = "SFT, reward model, then PPO (value model, GAE, KL in the reward).")
  public static final class Ppo extends RlCommand {
    @Override
    protected PpoConfig.Builder preset() {
      return PpoConfig.builder();
    }
  }

  /** {@code grpo}: group-normalised rewards, no value model, KL as a loss term. */
  @Command(
      name = "grpo",
      mixinStandardHelpOptions = true,
      description = "SFT, reward model, then GRPO (groups of samples, no value model).")
  public static final class Grpo extends RlCommand {
    @Override
    protected PpoConfig.Builder preset() {
      return PpoConfig.grpo();
    }
  }

  /** {@code rloo}: leave-one-out baseline over each prompt's samples. */
  @Command(
      name = "rloo",
      mixinStandardHelpOptions = true,
      description = "SFT, reward model, then RLOO (leave-one-out baseline, no value model).")
  public static final class Rloo extends RlCommand {
    @Override
    protected PpoConfig.Builder preset() {
      return PpoConfig.rloo();
    }
  }

  /** {@code reinforce++}: KL-shaped returns whitened over the batch, no value model. */
  @Command(
      name = "reinforce++",
      aliases = "reinforce-pp",
      mixinStandardHelpOptions = true,
      description = "SFT, reward model, then REINFORCE++ (batch-whitened returns, no critic).")
  public static final class ReinforcePlusPlus extends RlCommand {
    @Override
    protected PpoConfig.Builder preset() {
      return PpoConfig.reinforcePlusPlus();
    }
  }

  /** {@code gspo}: GRPO's groups with one clipped importance ratio per sequence. */
  @Command(
      name = "gspo",
      mixinStandardHelpOptions = true,
      description = "SFT, reward model, then GSPO (sequence-level ratio and clipping, no critic).")
  public static final class Gspo extends RlCommand {
    @Override
    protected PpoConfig.Builder preset() {
      return PpoConfig.gspo();
    }
  }

  /** {@code dapo}: clip-higher, token mean, dynamic sampling, overlong punishment. */
  @Command(
      name = "dapo",
      mixinStandardHelpOptions = true,
      description =
          "SFT, reward model, then DAPO (clip-higher, dynamic sampling of groups with signal,"
              + " overlong punishment).")
  public static final class Dapo extends RlCommand {
    @Override
    protected PpoConfig.Builder preset() {
      return PpoConfig.dapo();
    }
  }

  /** {@code cispo}: GRPO's groups, every token kept with a clipped, constant importance weight. */
  @Command(
      name = "cispo",
      mixinStandardHelpOptions = true,
      description =
          "SFT, reward model, then CISPO (clipped importance weight on every token's"
              + " log-likelihood, no critic, no KL).")
  public static final class Cispo extends RlCommand {
    @Override
    protected PpoConfig.Builder preset() {
      return PpoConfig.cispo();
    }
  }
}
