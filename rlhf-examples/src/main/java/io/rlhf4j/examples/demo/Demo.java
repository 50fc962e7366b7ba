package io.rlhf4j.examples.demo;

import ai.djl.Device;
import io.rlhf4j.api.Rlhf;
import io.rlhf4j.data.BradleyTerryLabeler;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.HeldOutSplit;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.Checkpoint;
import io.rlhf4j.djl.train.RunSettings;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.reward.RewardConfig;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.djl.train.sft.SftConfig;
import io.rlhf4j.generate.BestOfN;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.TextRewardModel;
import io.rlhf4j.train.ConsoleProgress;
import io.rlhf4j.train.JsonlMetricsWriter;
import io.rlhf4j.train.MetricsFile;
import io.rlhf4j.train.MetricsListener;
import io.rlhf4j.train.reward.RankingLoss;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.TreeMap;

/**
 * The main job: the whole InstructGPT loop on a real pretrained model against a simulated rater
 * with a hidden taste ({@link StoryRater}), in one folder of evidence.
 *
 * <ol>
 *   <li>Demonstrations: the best of N base-model samples per prompt under the rater (rejection
 *       sampling), then SFT on them.
 *   <li>Comparisons: the rater ranks K SFT samples per prompt with Bradley-Terry noise; a reward
 *       model initialised from the SFT model is fit on those rankings.
 *   <li>PPO against the learned reward model with the adaptive KL controller.
 *   <li>Further rounds: fresh samples of the current policy, fresh rankings, refit, PPO again.
 *   <li>Over-optimisation: PPO from the SFT model against round 1's reward model with a fixed,
 *       too-small β, to show the learned reward and the hidden score coming apart.
 *   <li>Evaluation on held-out prompts, charts and an HTML report.
 * </ol>
 *
 * A rerun with the same output folder resumes from the last checkpoint of each stage.
 */
public final class Demo {
  /** The metric name of the rater's hidden score in {@code metrics.jsonl}. */
  public static final String HIDDEN = "hidden_score";

  /** The demo's record of its flags in the output folder. */
  public static final String SETTINGS_FILE = "demo-settings.json";

  private static final int STAGES = 6;
  private static final double HELD_OUT = 0.1;
  private final DemoSettings settings;
  private final PrintStream console;
  private final Device device;

  /**
   * @param console where stage headings and progress bars go (stderr in the command)
   */
  public Demo(DemoSettings settings, PrintStream console, Device device) {
    this.settings = settings;
    this.console = console;
    this.device = device;
  }

  /** What the run produced. */
  public record Outcome(Path report, List<PolicyScores> scores) {}

  /** Runs (or resumes) the demo. */
  public Outcome run() throws IOException {
    long started = System.nanoTime();
    Path out = settings.output();
    Files.createDirectories(out);
    // A rerun resumes this folder's run only with the same flags; anything else is refused now,
    // before work that would mix two runs' checkpoints.
    RunSettings.checkOrRecord(out, SETTINGS_FILE, RunSettings.of(settings.flags()));
    List<String> all =
        settings.prompts().isPresent()
            ? StoryPrompts.read(settings.prompts().get())
            : StoryPrompts.builtIn();
    List<String> shuffled = new ArrayList<>(all);
    Collections.shuffle(shuffled, new Random(settings.seed()));
    int evalCount = Math.min(settings.evalPrompts(), shuffled.size() / 4 + 1);
    List<String> evalPrompts = List.copyOf(shuffled.subList(0, evalCount));
    List<String> trainPrompts = List.copyOf(shuffled.subList(evalCount, shuffled.size()));
    BradleyTerryLabeler rater =
        new BradleyTerryLabeler(StoryRater::score, settings.raterTemperature(), settings.seed());

    try (JsonlMetricsWriter metrics = new JsonlMetricsWriter(out.resolve("metrics.jsonl"))) {
      List<MetricsListener> listeners =
          List.of(
              metrics,
              new StageHeadings(),
              // Redrawn in place only on a terminal: a log file gets plain lines.
              new ConsoleProgress(
                  console,
                  console == System.err && System.console() != null,
                  "loss",
                  "eval_accuracy",
                  "score",
                  HIDDEN,
                  "kl"));
      // 1. Rejection-sampled demonstrations.
      heading(
          1,
          "demonstrations: best of %d base samples for %d prompts",
          settings.candidates(),
          trainPrompts.size());
      List<Demonstration> demos = demonstrations(out.resolve("demonstrations.jsonl"), trainPrompts);
      // 2-4. SFT, reward model on the rater's rankings, PPO, further rounds (headings come from
      // the stages as they start).
      try (Rlhf.Result result =
          Rlhf.sft(settings.model(), demos, sftConfig())
              .thenRewardModel(rater, settings.k(), rewardConfig())
              .labelPrompts(settings.labelPrompts())
              .thenPpo(trainPrompts, ppoConfig(true), settings.ppoIterations())
              .rounds(settings.rounds())
              .track(HIDDEN, StoryRater::score)
              .listeners(listeners)
              .device(device)
              .seed(settings.seed())
              .heldOutFraction(HELD_OUT)
              .checkpointEvery(5)
              .run(out)) {
        // 5. The over-optimisation run.
        if (settings.lowKlIterations() > 0) {
          heading(
              5,
              "over-optimisation: PPO with fixed beta = %s against round 1's reward model",
              settings.lowBeta());
          lowKlRun(out, trainPrompts, new TrainingRun(listeners).scoped("low-kl"));
        }
        // 6. Evaluation, charts, report.
        heading(
            6,
            "evaluation on %d held-out prompts x %d samples, charts, report",
            evalPrompts.size(),
            settings.evalSamples());
        List<PolicyScores> scores = evaluate(out, evalPrompts, result);
        Path report =
            Report.write(
                out,
                settings,
                MetricsFile.read(out.resolve("metrics.jsonl")),
                scores,
                evalPrompts,
                heldOutCeilings(out));
        console.printf("done in %.1f min: %s%n", (System.nanoTime() - started) / 6e10, report);
        return new Outcome(report, scores);
      }
    }
  }

  /** Prints the heading of stages 2 to 4 as the pipeline starts them. */
  private final class StageHeadings implements MetricsListener {
    @Override
    public void onStageStart(String stage, long totalSteps) {
      if (stage.equals("sft")) {
        heading(2, "supervised fine-tuning on the demonstrations (%d steps)", totalSteps);
      } else if (stage.matches("round-\\d+/reward")) {
        heading(
            3,
            "%s: reward model on the rater's rankings (K = %d, %d steps)",
            stage,
            settings.k(),
            totalSteps);
      } else if (stage.matches("round-\\d+/ppo")) {
        heading(
            4,
            "%s: PPO against the reward model, adaptive KL target %s (%d iterations)",
            stage,
            settings.klTarget(),
            totalSteps);
      }
    }

    @Override
    public void onStep(io.rlhf4j.train.StepMetrics metrics) {}
  }

  private void heading(int stage, String format, Object... args) {
    console.printf("[%d/%d] %s%n", stage, STAGES, String.format(format, args));
  }

  /** Sampling for rollouts, rankings and evaluation. */
  SamplingConfig sampling() {
    return SamplingConfig.builder()
        .temperature(0.7)
        .maxNewTokens(settings.maxNewTokens())
        .seed(settings.seed())
        .build();
  }

  // The rater writes its demonstrations as a labeler would: it picks its favourite of N base
  // samples and keeps that story up to its last finished sentence, so every demonstration is a
  // finished story and SFT learns to end one (with EOS) instead of stopping mid-word.
  private List<Demonstration> demonstrations(Path file, List<String> prompts) throws IOException {
    if (Files.exists(file)) {
      return Jsonl.demonstrations(file, ReadOptions.strict()).readAll();
    }
    try (PretrainedModel base = PretrainedModel.load(settings.model(), device)) {
      BestOfN best =
          new BestOfN(
              new DjlPolicy(base.model(), base.tokenizer()),
              new TextRewardModel(
                  base.tokenizer(), (p, r) -> StoryRater.score(p, StoryRater.finishedPart(r))),
              settings.candidates());
      List<Demonstration> demos = new ArrayList<>();
      for (Demonstration d :
          best.demonstrations(
              prompts,
              base.tokenizer(),
              sampling().toBuilder().temperature(1.0).seed(settings.seed() + 1).build())) {
        String finished = d.truncated() ? StoryRater.finishedPart(d.response()) : d.response();
        if (!finished.isEmpty()) {
          demos.add(new Demonstration(d.prompt(), finished, false));
        }
      }
      Jsonl.writeDemonstrations(file, demos);
      return demos;
    }
  }

  private SftConfig sftConfig() {
    return SftConfig.builder()
        .epochs(settings.sftEpochs())
        .batchSize(8)
        .maxLength(128)
        .optimizer(AdamWConfig.of(1e-3))
        .seed(settings.seed())
        .build();
  }

  private RewardConfig rewardConfig() {
    return RewardConfig.builder()
        .epochs(settings.rewardEpochs())
        .promptsPerBatch(8)
        .maxLength(128)
        .optimizer(AdamWConfig.of(1e-3))
        .headSeed(settings.seed())
        .seed(settings.seed())
        .build();
  }

  /** PPO as in the tests that learn on stories260K; {@code adaptive} false gives the fixed β. */
  private PpoConfig ppoConfig(boolean adaptive) {
    PpoConfig.Builder b =
        PpoConfig.builder()
            .rolloutBatchSize(settings.rolloutBatch())
            .miniBatchSize(settings.rolloutBatch() / 4)
            .ppoEpochs(4)
            .sampling(sampling())
            .missingEosScore(OptionalDouble.empty())
            .policyOptimizer(AdamWConfig.of(settings.policyLearningRate()))
            .valueOptimizer(AdamWConfig.of(10 * settings.policyLearningRate()))
            .seed(settings.seed());
    // Ziegler's 10,000-episode horizon assumes thousands of iterations; over tens of iterations β
    // must move faster (up to 10 % per iteration here) to hold the target.
    return adaptive
        ? b.klCoefficient(settings.initialBeta())
            .adaptiveKl(settings.klTarget(), settings.rolloutBatch() * 2)
            .build()
        : b.klCoefficient(settings.lowBeta()).build();
  }

  // PPO from the SFT model against round 1's reward model (normalised the way the pipeline does),
  // but with a fixed β far below what the adaptive controller would choose.
  private void lowKlRun(Path out, List<String> prompts, TrainingRun run) throws IOException {
    try (PretrainedModel sft = PretrainedModel.load(out.resolve("sft"), device);
        CausalLm reference = sft.model().copy(device);
        CausalLm rewardNet = sft.model().withScalarHead(settings.seed(), device)) {
      rewardNet.loadTensors(
          Checkpoint.load(out.resolve("round-1/reward"), rewardNet.config()).weights());
      DjlRewardModel reward = new DjlRewardModel(rewardNet, 64);
      List<int[]> ids = prompts.stream().map(p -> sft.tokenizer().encode(p, true)).toList();
      reward.normalizeOn(
          new DjlPolicy(reference, sft.tokenizer()),
          ids.subList(0, Math.min(64, ids.size())),
          sampling());
      try (CausalLm value = rewardNet.copy(device);
          DjlPpoTrainer ppo =
              new DjlPpoTrainer(
                  RlModels.builder(sft.model(), reward, sft.tokenizer())
                      .reference(reference)
                      .valueModel(value)
                      .build(),
                  ppoConfig(false),
                  List.of(),
                  run)) {
        ppo.track(HIDDEN, StoryRater::score);
        ppo.train(
            ids, settings.lowKlIterations(), out.resolve("low-kl/ppo"), 5, settings.seed() + 5);
      }
    }
  }

  /**
   * For each round, how often the rater's noiseless score orders its own held-out rankings as the
   * noisy rankings do: the most any reward model can reach on them.
   */
  private Map<Integer, Double> heldOutCeilings(Path out) {
    HeldOutSplit split = new HeldOutSplit(HELD_OUT, settings.seed());
    Map<Integer, Double> ceilings = new TreeMap<>();
    for (int round = 1; round <= settings.rounds(); round++) {
      Path file = out.resolve("round-" + round + "/rankings.jsonl");
      if (!Files.exists(file)) {
        continue;
      }
      List<double[]> scores = new ArrayList<>();
      List<List<Integer>> ranks = new ArrayList<>();
      for (Ranking r : Jsonl.rankings(file, ReadOptions.strict()).readAll()) {
        if (split.isHeldOut(r.prompt())) {
          scores.add(
              r.responses().stream().mapToDouble(t -> StoryRater.score(r.prompt(), t)).toArray());
          ranks.add(r.ranks());
        }
      }
      if (!scores.isEmpty()) {
        ceilings.put(round, RankingLoss.accuracy(scores, ranks));
      }
    }
    return ceilings;
  }

  private List<PolicyScores> evaluate(Path out, List<String> prompts, Rlhf.Result result) {
    List<PolicyScores> scores = new ArrayList<>();
    try (PretrainedModel sft = PretrainedModel.load(out.resolve("sft"), device)) {
      PolicyEvaluator evaluator =
          new PolicyEvaluator(
              prompts,
              settings.evalSamples(),
              sampling().toBuilder().seed(settings.seed() + 99_991).build(),
              sft.tokenizer(),
              sft.model(),
              result.rewardModel().orElseThrow(),
              StoryRater::score);
      try (PretrainedModel base = PretrainedModel.load(settings.model(), device)) {
        scores.add(evaluator.evaluate("base", base.model()));
      }
      scores.add(evaluator.evaluate("SFT", sft.model()));
      for (int round = 1; round < settings.rounds(); round++) {
        try (PretrainedModel ppo =
            PretrainedModel.load(out.resolve("round-" + round + "/ppo/policy"), device)) {
          scores.add(evaluator.evaluate("PPO round " + round, ppo.model()));
        }
      }
      scores.add(evaluator.evaluate("PPO round " + settings.rounds(), result.policy()));
      if (settings.lowKlIterations() > 0) {
        try (PretrainedModel low = PretrainedModel.load(out.resolve("low-kl/ppo/policy"), device)) {
          scores.add(evaluator.evaluate("PPO, beta " + settings.lowBeta(), low.model()));
        }
      }
    }
    return scores;
  }
}
