package io.rlhf4j.api;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.Labeler;
import io.rlhf4j.data.PreferenceDataset;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.DjlPolicy;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.reward.RewardConfig;
import io.rlhf4j.djl.train.reward.RewardTrainer;
import io.rlhf4j.djl.train.sft.SftConfig;
import io.rlhf4j.djl.train.sft.SftTrainer;
import io.rlhf4j.generate.Generation;
import io.rlhf4j.train.MetricsListener;
import io.rlhf4j.train.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToDoubleBiFunction;

/**
 * The InstructGPT pipeline in one fluent call, in the shape of the paper:
 *
 * <pre>{@code
 * Rlhf.Result result =
 *     Rlhf.sft(baseModelDir, demonstrations, SftConfig.builder().build())
 *         .thenRewardModel(comparisons, RewardConfig.builder().build())
 *         .thenPpo(prompts, PpoConfig.builder().build(), 100)
 *         .rounds(2, labeler, 4)
 *         .run(outputDir);
 * }</pre>
 *
 * <p>Round 1 runs SFT, fits the reward model on the given preferences and runs PPO. Each later
 * round samples K responses per prompt from the current policy, asks the {@link Labeler} to rank
 * them, refits the reward model on all rankings so far and runs PPO again, always penalising the KL
 * to the SFT model. Every stage checkpoints under the output folder and a rerun of the same
 * pipeline resumes where it stopped; labels of later rounds are saved, so a rerun never asks the
 * labeler again. The final policy is written as a Hugging Face folder to {@code out/policy}.
 */
public final class Rlhf {
  private Rlhf() {}

  /** Starts a pipeline: supervised fine-tuning of {@code baseModel} on demonstrations. */
  public static Pipeline sft(Path baseModel, List<Demonstration> demonstrations, SftConfig config) {
    return new Pipeline(baseModel, demonstrations, config);
  }

  /** What a pipeline run produced. Close it to free the models. */
  public record Result(
      CausalLm policy,
      SavableTokenizer tokenizer,
      DjlRewardModel rewardModel,
      List<StepMetrics> history,
      Path policyFolder,
      AutoCloseable resources)
      implements AutoCloseable {
    @Override
    public void close() {
      try {
        resources.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing the pipeline's models failed", e);
      }
    }
  }

  /** The pipeline under construction; {@link #run} executes it. */
  public static final class Pipeline {
    private final Path baseModel;
    private final List<Demonstration> demonstrations;
    private final SftConfig sftConfig;
    private PreferenceDataset preferences;
    private boolean labelSftSamples;
    private RewardConfig rewardConfig;
    private List<String> prompts;
    private PpoConfig ppoConfig;
    private int ppoIterations;
    private int rounds = 1;
    private Labeler labeler;
    private int k = 4;
    private int labelPrompts = 64;
    private final Map<String, ToDoubleBiFunction<String, String>> tracked = new LinkedHashMap<>();
    private Device device = Engine.getInstance().defaultDevice();
    private List<MetricsListener> listeners = List.of();
    private int checkpointEvery = 1;
    private long seed = 0;

    private Pipeline(Path baseModel, List<Demonstration> demonstrations, SftConfig config) {
      this.baseModel = checkNotNull(baseModel, "baseModel");
      this.demonstrations = List.copyOf(demonstrations);
      this.sftConfig = checkNotNull(config, "config");
      checkArgument(!this.demonstrations.isEmpty(), "SFT needs demonstrations");
    }

    /** Step 2: a reward model on human preferences (comparisons or K-wise rankings). */
    public Pipeline thenRewardModel(PreferenceDataset data, RewardConfig config) {
      this.preferences = checkNotNull(data, "data");
      this.rewardConfig = checkNotNull(config, "config");
      return this;
    }

    /**
     * Step 2 as InstructGPT ran it: {@code labeler} ranks K samples of the SFT model for each of
     * {@link #labelPrompts} prompts, and the reward model is fit on those rankings. Later rounds
     * (see {@link #rounds(int)}) ask the same labeler about samples of the current policy.
     */
    public Pipeline thenRewardModel(Labeler labeler, int k, RewardConfig config) {
      checkArgument(k >= 2, "k must be >= 2");
      this.labeler = checkNotNull(labeler, "labeler");
      this.k = k;
      this.labelSftSamples = true;
      this.preferences = PreferenceDataset.of(List.of());
      this.rewardConfig = checkNotNull(config, "config");
      return this;
    }

    /** Step 3: {@code iterations} PPO iterations on batches drawn from {@code prompts}. */
    public Pipeline thenPpo(List<String> prompts, PpoConfig config, int iterations) {
      checkArgument(!prompts.isEmpty(), "PPO needs prompts");
      checkArgument(iterations >= 1, "iterations must be >= 1");
      this.prompts = List.copyOf(prompts);
      this.ppoConfig = checkNotNull(config, "config");
      this.ppoIterations = iterations;
      return this;
    }

    /** Iterated RLHF: {@code rounds} rounds in all, each later one labeled by {@code labeler}. */
    public Pipeline rounds(int rounds, Labeler labeler, int k) {
      checkArgument(rounds >= 1, "rounds must be >= 1");
      checkArgument(k >= 2, "k must be >= 2");
      this.rounds = rounds;
      this.labeler = rounds > 1 ? checkNotNull(labeler, "labeler") : labeler;
      this.k = k;
      return this;
    }

    /**
     * Iterated RLHF with the labeler given to {@link #thenRewardModel(Labeler, int, RewardConfig)}.
     */
    public Pipeline rounds(int rounds) {
      checkArgument(rounds >= 1, "rounds must be >= 1");
      checkState(labeler != null || rounds == 1, "later rounds need a labeler");
      this.rounds = rounds;
      return this;
    }

    /** How many prompts a round labels (K samples each); default 64, capped by the prompts. */
    public Pipeline labelPrompts(int n) {
      checkArgument(n >= 1, "labelPrompts must be >= 1");
      this.labelPrompts = n;
      return this;
    }

    /**
     * Reports the mean of {@code metric} over each PPO rollout's texts under {@code name}, e.g. a
     * rater's hidden score; see {@link DjlPpoTrainer#track}.
     */
    public Pipeline track(String name, ToDoubleBiFunction<String, String> metric) {
      tracked.put(checkNotNull(name, "name"), checkNotNull(metric, "metric"));
      return this;
    }

    /** Where to run (default: DJL's default device, a GPU when present). */
    public Pipeline device(Device value) {
      this.device = checkNotNull(value, "device");
      return this;
    }

    /** Who hears about every step. */
    public Pipeline listeners(List<MetricsListener> value) {
      this.listeners = List.copyOf(value);
      return this;
    }

    /** Checkpoint PPO every this many iterations (and at the end of each round). */
    public Pipeline checkpointEvery(int iterations) {
      checkArgument(iterations >= 1, "checkpointEvery must be >= 1");
      this.checkpointEvery = iterations;
      return this;
    }

    /** Seeds data splits, label sampling and prompt order. */
    public Pipeline seed(long value) {
      this.seed = value;
      return this;
    }

    /** Runs (or resumes) the pipeline, writing everything under {@code out}. */
    public Result run(Path out) throws IOException {
      checkState(preferences != null, "call thenRewardModel before run");
      checkState(prompts != null, "call thenPpo before run");
      Files.createDirectories(out);
      TrainingRun run = new TrainingRun(listeners);
      PretrainedModel base = PretrainedModel.load(baseModel, device);
      CausalLm policy = base.model();
      SavableTokenizer tokenizer = base.tokenizer();
      // 1. Supervised fine-tuning.
      List<List<Demonstration>> demos = split(demonstrations);
      new SftTrainer(policy, tokenizer, sftConfig, run)
          .train(demos.get(0), demos.get(1), out.resolve("sft"));
      CausalLm sft = policy.copy(device); // the KL anchor of every round
      CausalLm rewardNet = policy.withScalarHead(rewardConfig.headSeed(), device);
      DjlRewardModel reward = new DjlRewardModel(rewardNet, 64);
      List<Ranking> rankings = new ArrayList<>(preferences.stream().toList());
      List<int[]> promptIds = prompts.stream().map(p -> tokenizer.encode(p, true)).toList();
      double beta = ppoConfig.klCoefficient();
      for (int round = 1; round <= rounds; round++) {
        Path dir = out.resolve("round-" + round);
        TrainingRun roundRun = run.scoped("round-" + round);
        if (round > 1 || labelSftSamples) {
          rankings.addAll(labels(dir.resolve("rankings.jsonl"), policy, tokenizer, round));
        }
        // 2. Reward model, refit on every ranking collected so far.
        List<List<Ranking>> split = split(rankings);
        new RewardTrainer(reward, tokenizer, rewardConfig, roundRun)
            .train(split.get(0), split.get(1), dir.resolve("reward"));
        // Reference responses (SFT samples) score mean 0 under the reward model.
        reward.normalizeOn(
            new DjlPolicy(sft, tokenizer),
            promptIds.subList(0, Math.min(64, promptIds.size())),
            ppoConfig.sampling().toBuilder().seed(seed).build());
        // 3. PPO against it, value model initialised from it, KL to the SFT model.
        try (CausalLm value = rewardNet.copy(device);
            DjlPpoTrainer ppo =
                new DjlPpoTrainer(
                    policy,
                    sft,
                    value,
                    reward,
                    tokenizer,
                    roundConfig(round, beta),
                    List.of(),
                    roundRun)) {
          tracked.forEach(ppo::track);
          ppo.train(promptIds, ppoIterations, dir.resolve("ppo"), checkpointEvery, seed);
          beta = ppo.beta();
        }
      }
      Path policyFolder = out.resolve("policy");
      PretrainedModel.save(policy, tokenizer, policyFolder);
      AutoCloseable resources =
          () -> {
            rewardNet.close();
            sft.close();
            base.close();
          };
      return new Result(policy, tokenizer, reward, run.history(), policyFolder, resources);
    }

    // Each round draws its own rollouts (round 1 keeps the configured seed) and starts from the β
    // the previous round ended with: the policy is as far from the SFT model as it was then, so
    // restarting the adaptive controller at its initial β would let the KL overshoot again.
    private PpoConfig roundConfig(int round, double beta) {
      return round == 1
          ? ppoConfig
          : ppoConfig.toBuilder()
              .seed(ppoConfig.seed() + 7919L * round)
              .klCoefficient(beta)
              .build();
    }

    // K samples per prompt from the current policy, ranked by the labeler; saved so a rerun
    // reuses them instead of asking again.
    private List<Ranking> labels(Path file, CausalLm policy, SavableTokenizer tokenizer, int round)
        throws IOException {
      if (Files.exists(file)) {
        return Jsonl.rankings(file, ReadOptions.strict()).readAll();
      }
      // Each round labels its own slice of a seeded shuffle of the prompts.
      int n = Math.min(prompts.size(), labelPrompts);
      List<String> order = new ArrayList<>(prompts);
      Collections.shuffle(order, new Random(seed));
      List<String> chosen = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        chosen.add(order.get((int) (((long) (round - 1) * n + i) % order.size())));
      }
      List<int[]> batch = new ArrayList<>();
      for (String prompt : chosen) {
        batch.addAll(Collections.nCopies(k, tokenizer.encode(prompt, true)));
      }
      List<Generation> samples =
          new DjlPolicy(policy, tokenizer)
              .generate(
                  batch,
                  ppoConfig.sampling().toBuilder().temperature(1.0).seed(seed + round).build());
      List<Ranking> fresh = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        List<String> responses = new ArrayList<>();
        for (int j = 0; j < k; j++) {
          responses.add(tokenizer.decode(samples.get(i * k + j).response()));
        }
        fresh.add(labeler.rank(chosen.get(i), responses));
      }
      Jsonl.writeRankings(file, fresh);
      return fresh;
    }

    // A seeded 90/10 split (at least one held-out item when there are two or more).
    private <T> List<List<T>> split(List<T> items) {
      List<T> shuffled = new ArrayList<>(items);
      Collections.shuffle(shuffled, new Random(seed));
      int heldOut = items.size() < 2 ? 0 : Math.max(1, items.size() / 10);
      return List.of(
          List.copyOf(shuffled.subList(heldOut, shuffled.size())),
          List.copyOf(shuffled.subList(0, heldOut)));
    }
  }
}
