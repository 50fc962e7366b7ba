package io.rlhf4j.examples.demo;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.Device;
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
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.dpo.DpoConfig;
import io.rlhf4j.djl.train.dpo.DpoTrainer;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.examples.report.LineChart;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.internal.json.JsonWriter;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.StepMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;

/**
 * The algorithms head to head: PPO, GRPO, RLOO, REINFORCE++, GSPO, DAPO, CISPO, DPO, SimPO and ORPO
 * from the same SFT model, against the same hidden rater, with the same budget of sampled
 * responses, over several seeds.
 *
 * <p>First the demo runs one round ({@link Demo}: demonstrations, SFT, the rater's K = 4 rankings
 * of SFT samples, the reward model) into {@code out/demo}. Then, for each algorithm and seed, from
 * that SFT model: the RL algorithms sample {@code rolloutBatch} responses per iteration for {@code
 * iterations} iterations against round 1's reward model (normalised on SFT samples, as the pipeline
 * does); DPO trains offline on round 1's training rankings, the responses the rater ranked. Each
 * final policy is evaluated on the demo's held-out prompts (hidden score, learned reward, KL to the
 * SFT model, length), with wall time and the peak resident set of its run.
 *
 * <p>Writes {@code comparison.json}, {@code comparison.md} (the table) and {@code comparison.png}
 * (mean hidden score of the rollouts against responses sampled).
 */
public final class Comparison {
  /** The algorithms, in the table's order. */
  public static final List<String> ALGORITHMS =
      List.of(
          "ppo", "grpo", "rloo", "reinforce++", "gspo", "dapo", "cispo", "dpo", "simpo", "orpo");

  /** The offline ones, trained on the demo's rankings instead of sampling. */
  private static final List<String> OFFLINE = List.of("dpo", "simpo", "orpo");

  private final DemoSettings demo;
  private final Settings settings;
  private final PrintStream console;
  private final Device device;

  /**
   * What to compare.
   *
   * @param output the folder (the demo goes to {@code output/demo})
   * @param algorithms a subset of {@link #ALGORITHMS}
   * @param seeds seeds per algorithm (0, 1, ...)
   * @param iterations RL iterations per run
   * @param rolloutBatch responses sampled per RL iteration
   */
  public record Settings(
      Path output, List<String> algorithms, int seeds, int iterations, int rolloutBatch) {
    /** Validates. */
    public Settings {
      checkArgument(!algorithms.isEmpty(), "no algorithms to compare");
      for (String a : algorithms) {
        checkArgument(ALGORITHMS.contains(a), "unknown algorithm '%s'; known: %s", a, ALGORITHMS);
      }
      algorithms = List.copyOf(algorithms);
      checkArgument(seeds >= 1, "seeds must be >= 1");
      checkArgument(iterations >= 1, "iterations must be >= 1");
      checkArgument(
          rolloutBatch >= 8 && rolloutBatch % 8 == 0,
          "rollout-batch must be a multiple of 8, got %s",
          rolloutBatch);
    }
  }

  /**
   * One algorithm's results over its seeds.
   *
   * @param algorithm its name
   * @param hidden mean hidden score of the final policies' held-out samples, per seed
   * @param reward mean learned reward, per seed
   * @param kl mean KL to the SFT model, per seed
   * @param length mean response length, per seed
   * @param seconds wall time of each run
   * @param peakGb peak resident set of each run
   * @param responses responses sampled (RL) or ranked (DPO) by each run
   * @param curve mean hidden score of the rollouts per iteration, averaged over seeds (RL only)
   */
  public record Row(
      String algorithm,
      double[] hidden,
      double[] reward,
      double[] kl,
      double[] length,
      double[] seconds,
      double[] peakGb,
      long responses,
      double[] curve) {}

  /**
   * @param demo the demo's settings (its output is replaced by {@code settings.output()/demo} and
   *     it runs one round without the over-optimisation run)
   */
  public Comparison(DemoSettings demo, Settings settings, PrintStream console, Device device) {
    this.demo =
        demo.toBuilder()
            .output(settings.output().resolve("demo"))
            .rounds(1)
            .lowKlIterations(0)
            .build();
    this.settings = settings;
    this.console = console;
    this.device = device;
  }

  /** Runs the demo's round 1 (or reuses it), then every algorithm and seed; returns the rows. */
  public List<Row> run() throws IOException {
    Files.createDirectories(settings.output());
    console.println("[compare] the demo's first round: SFT, rankings, reward model");
    new Demo(demo, console, device).run();
    Path d = demo.output();
    List<String> evalPrompts = evalPrompts();
    List<String> trainPrompts = new ArrayList<>(shuffledPrompts());
    trainPrompts.removeAll(evalPrompts);
    List<Row> rows = new ArrayList<>();
    for (String algorithm : settings.algorithms()) {
      int n = settings.seeds();
      double[][] columns = new double[6][n];
      double[] curve = new double[settings.iterations()];
      long responses = 0;
      for (int seed = 0; seed < n; seed++) {
        console.printf("[compare] %s, seed %d%n", algorithm, seed);
        Memory.resetPeak();
        long t0 = System.nanoTime();
        try (PretrainedModel sft = PretrainedModel.load(d.resolve("sft"), device);
            CausalLm reference = sft.model().copy(device);
            CausalLm rewardNet = sft.model().withScalarHead(demo.seed(), device)) {
          rewardNet.loadTensors(
              Checkpoint.load(d.resolve("round-1/reward"), rewardNet.config()).weights());
          DjlRewardModel reward = new DjlRewardModel(rewardNet, 64);
          List<int[]> ids =
              trainPrompts.stream().map(p -> sft.tokenizer().encode(p, true)).toList();
          reward.normalizeOn(
              new DjlPolicy(reference, sft.tokenizer()),
              ids.subList(0, Math.min(64, ids.size())),
              sampling(demo.seed()));
          if (OFFLINE.contains(algorithm)) {
            responses = dpo(algorithm, sft, reference, d, seed);
          } else {
            List<StepMetrics> history = rl(algorithm, sft, reference, reward, ids, seed);
            // Every response sampled counts, DAPO's refill rounds included.
            responses = 0;
            for (StepMetrics step : history) {
              double extra = step.values().getOrDefault("dynamic_sampling_rounds", 0.0);
              responses += (long) (settings.rolloutBatch() * (1 + extra));
            }
            for (int i = 0; i < curve.length; i++) {
              curve[i] += history.get(i).get(Demo.HIDDEN) / n;
            }
          }
          double seconds = (System.nanoTime() - t0) / 1e9;
          PolicyScores s =
              new PolicyEvaluator(
                      evalPrompts,
                      demo.evalSamples(),
                      sampling(demo.seed() + 99_991),
                      sft.tokenizer(),
                      reference,
                      reward,
                      StoryRater::score)
                  .evaluate(algorithm, sft.model());
          columns[0][seed] = s.hidden();
          columns[1][seed] = s.reward();
          columns[2][seed] = s.klToSft();
          columns[3][seed] = s.length();
          columns[4][seed] = seconds;
          columns[5][seed] = Memory.peakGb();
        }
      }
      rows.add(
          new Row(
              algorithm,
              columns[0],
              columns[1],
              columns[2],
              columns[3],
              columns[4],
              columns[5],
              responses,
              OFFLINE.contains(algorithm) ? new double[0] : curve));
    }
    write(rows);
    return rows;
  }

  // One RL run from the SFT model (trained in place) against the normalised reward model.
  private List<StepMetrics> rl(
      String algorithm,
      PretrainedModel sft,
      CausalLm reference,
      DjlRewardModel reward,
      List<int[]> prompts,
      int seed) {
    PpoConfig config = rlConfig(algorithm, seed);
    TrainingRun run = new TrainingRun(List.of());
    try (CausalLm value = config.usesCritic() ? reward.model().copy(device) : null;
        DjlPpoTrainer trainer =
            new DjlPpoTrainer(
                RlModels.builder(sft.model(), reward, sft.tokenizer())
                    .reference(reference)
                    .valueModel(value)
                    .build(),
                config,
                List.of(),
                run)) {
      trainer.track(Demo.HIDDEN, StoryRater::score);
      List<int[]> order = new ArrayList<>(prompts);
      Collections.shuffle(order, new Random(seed));
      for (int i = 0; i < settings.iterations(); i++) {
        List<int[]> batch = new ArrayList<>();
        for (int j = 0; j < config.rolloutBatchSize(); j++) {
          batch.add(order.get((i * config.rolloutBatchSize() + j) % order.size()));
        }
        trainer.step(batch);
      }
    }
    return run.history();
  }

  /**
   * Each algorithm with the demo's PPO settings where they apply: the same learning rate, epochs,
   * minibatches of a quarter of the rollout, and the same adaptive KL target where the KL is in the
   * reward; GRPO takes its KL as a k3 loss term (β_kl 0.04).
   */
  PpoConfig rlConfig(String algorithm, long seed) {
    int episodes = settings.rolloutBatch();
    PpoConfig.Builder b =
        switch (algorithm) {
          case "ppo" -> PpoConfig.builder().rolloutBatchSize(episodes);
          case "grpo" -> PpoConfig.grpo().rolloutBatchSize(episodes / 4);
          case "rloo" -> PpoConfig.rloo().rolloutBatchSize(episodes / 4);
          case "reinforce++" -> PpoConfig.reinforcePlusPlus().rolloutBatchSize(episodes);
          case "gspo" -> PpoConfig.gspo().rolloutBatchSize(episodes / 4);
          case "dapo" -> PpoConfig.dapo().rolloutBatchSize(episodes / 4);
          case "cispo" -> PpoConfig.cispo().rolloutBatchSize(episodes / 4);
          default -> throw new IllegalArgumentException("not an RL algorithm: " + algorithm);
        };
    b.miniBatchSize(episodes / 4)
        .ppoEpochs(4)
        .sampling(sampling(seed))
        .missingEosScore(OptionalDouble.empty())
        .policyOptimizer(AdamWConfig.of(demo.policyLearningRate()))
        .valueOptimizer(AdamWConfig.of(10 * demo.policyLearningRate()))
        .seed(seed);
    // GRPO keeps its KL loss term; GSPO, DAPO and CISPO run as their recipes do, with no KL at all.
    if (!List.of("grpo", "gspo", "dapo", "cispo").contains(algorithm)) {
      b.klCoefficient(demo.initialBeta()).adaptiveKl(demo.klTarget(), episodes * 2);
    }
    return b.build();
  }

  // DPO (or SimPO, ORPO with their presets' β) on round 1's training rankings (the demo's held-out
  // split excluded), 3 epochs.
  private long dpo(String algorithm, PretrainedModel sft, CausalLm reference, Path d, int seed)
      throws IOException {
    HeldOutSplit split = new HeldOutSplit(0.1, demo.seed());
    List<Ranking> train =
        Jsonl.rankings(d.resolve("round-1/rankings.jsonl"), ReadOptions.strict()).readAll().stream()
            .filter(r -> !split.isHeldOut(r.prompt()))
            .toList();
    DpoConfig.Builder preset =
        switch (algorithm) {
          case "simpo" -> DpoConfig.simpo();
          case "orpo" -> DpoConfig.orpo();
          default -> DpoConfig.builder().beta(0.1);
        };
    DpoConfig config =
        preset
            .epochs(3)
            .promptsPerBatch(8)
            .maxLength(128)
            .optimizer(AdamWConfig.of(demo.policyLearningRate()))
            .seed(seed)
            .build();
    try (DpoTrainer trainer =
        new DpoTrainer(
            sft.model(), reference, sft.tokenizer(), config, new TrainingRun(List.of()))) {
      trainer.train(train, List.of(), null);
    }
    return train.stream().mapToLong(Ranking::k).sum();
  }

  private SamplingConfig sampling(long seed) {
    return SamplingConfig.builder()
        .temperature(0.7)
        .maxNewTokens(demo.maxNewTokens())
        .seed(seed)
        .build();
  }

  // The demo's prompt order and held-out prompts (see Demo.run).
  private List<String> shuffledPrompts() throws IOException {
    List<String> all =
        demo.prompts().isPresent()
            ? StoryPrompts.read(demo.prompts().get())
            : StoryPrompts.builtIn();
    List<String> shuffled = new ArrayList<>(all);
    Collections.shuffle(shuffled, new Random(demo.seed()));
    return shuffled;
  }

  private List<String> evalPrompts() throws IOException {
    List<String> shuffled = shuffledPrompts();
    int evalCount = Math.min(demo.evalPrompts(), shuffled.size() / 4 + 1);
    return List.copyOf(shuffled.subList(0, evalCount));
  }

  private void write(List<Row> rows) throws IOException {
    Path out = settings.output();
    StringBuilder md = new StringBuilder();
    md.append(
        "| algorithm | hidden score | learned reward | KL to SFT | length | responses | wall time"
            + " | peak RSS |\n");
    md.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    List<Object> json = new ArrayList<>();
    LineChart chart =
        new LineChart(
            "Hidden score of the rollouts", "responses sampled", "mean hidden score (over seeds)");
    int color = 0;
    for (Row r : rows) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %.1f | %,d | %.0f s | %.2f GB |%n",
              r.algorithm(),
              meanErr(r.hidden()),
              meanErr(r.reward()),
              meanErr(r.kl()),
              mean(r.length()),
              r.responses(),
              mean(r.seconds()),
              max(r.peakGb())));
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("algorithm", r.algorithm());
      o.put("hidden", toList(r.hidden()));
      o.put("learned_reward", toList(r.reward()));
      o.put("kl_to_sft", toList(r.kl()));
      o.put("response_length", toList(r.length()));
      o.put("seconds", toList(r.seconds()));
      o.put("peak_rss_gb", toList(r.peakGb()));
      o.put("responses", r.responses());
      o.put("curve", toList(r.curve()));
      json.add(o);
      if (r.curve().length > 0) {
        double[] x = new double[r.curve().length];
        for (int i = 0; i < x.length; i++) {
          x[i] = (i + 1.0) * settings.rolloutBatch();
        }
        chart.line(
            r.algorithm(), x, r.curve(), LineChart.PALETTE[color++ % LineChart.PALETTE.length]);
      }
    }
    AtomicFiles.writeString(out.resolve("comparison.md"), md.toString());
    AtomicFiles.writeString(out.resolve("comparison.json"), JsonWriter.write(json));
    chart.writePng(out.resolve("comparison.png"));
    console.print(md);
  }

  private static List<Double> toList(double[] x) {
    List<Double> out = new ArrayList<>();
    for (double v : x) {
      out.add(v);
    }
    return out;
  }

  private static double mean(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s / x.length;
  }

  private static double max(double[] x) {
    double m = Double.NEGATIVE_INFINITY;
    for (double v : x) {
      m = Math.max(m, v);
    }
    return m;
  }

  // The mean over seeds ± its standard error.
  static String meanErr(double[] x) {
    double m = mean(x);
    if (x.length < 2) {
      return String.format(Locale.ROOT, "%.3f", m);
    }
    double var = 0;
    for (double v : x) {
      var += (v - m) * (v - m);
    }
    double err = Math.sqrt(var / (x.length - 1) / x.length);
    return String.format(Locale.ROOT, "%.3f ± %.3f", m, err);
  }

  /** The process's peak resident set, reset between runs (Linux). */
  static final class Memory {
    private Memory() {}

    static void resetPeak() {
      try {
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      } catch (IOException | RuntimeException e) {
        // Not Linux, or not allowed: the peak then covers the process so far, said in the table.
      }
    }

    static double peakGb() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith("VmHWM:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0;
          }
        }
      } catch (IOException e) {
        // fall through
      }
      return Double.NaN;
    }
  }
}
