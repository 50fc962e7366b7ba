package io.rlhf4j.api;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import com.google.gson.JsonObject;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.EpisodeRanking;
import io.rlhf4j.data.HeldOutSplit;
import io.rlhf4j.data.LabeledCompletion;
import io.rlhf4j.data.Labeler;
import io.rlhf4j.data.PreferenceDataset;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.internal.train.TrainingLock;
import io.rlhf4j.djl.io.PeftAdapter;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.djl.model.Lora;
import io.rlhf4j.djl.model.LoraConfig;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.train.RunSettings;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.dpo.DpoConfig;
import io.rlhf4j.djl.train.dpo.DpoTrainer;
import io.rlhf4j.djl.train.kto.KtoConfig;
import io.rlhf4j.djl.train.kto.KtoTrainer;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.ppo.RlEvaluation;
import io.rlhf4j.djl.train.reward.RewardConfig;
import io.rlhf4j.djl.train.reward.RewardTrainer;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.djl.train.rollout.RolloutBackend;
import io.rlhf4j.djl.train.sft.SftConfig;
import io.rlhf4j.djl.train.sft.SftTrainer;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.internal.train.Seeds;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.Policy;
import io.rlhf4j.model.RewardFunction;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.WeightedReward;
import io.rlhf4j.train.ConsoleProgress;
import io.rlhf4j.train.JsonlMetricsWriter;
import io.rlhf4j.train.JsonlSamplesWriter;
import io.rlhf4j.train.MetricsFile;
import io.rlhf4j.train.MetricsListener;
import io.rlhf4j.train.StepMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.ToDoubleBiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>Or from the model as it is, against the caller's own rewards (no SFT, no reward model):
 *
 * <pre>{@code
 * Rlhf.from(modelDir)
 *     .thenRl(prompts, PpoConfig.grpo().build(), 100)
 *     .rewardFunction("answer", 1, Verifiers.finalAnswer(answers))
 *     .run(outputDir);
 * }</pre>
 *
 * <p>Round 1 runs SFT, fits the reward model on the given preferences and runs PPO. Each later
 * round samples K responses per prompt from the current policy, asks the {@link Labeler} to rank
 * them, refits the reward model on all rankings so far and runs PPO again, always penalising the KL
 * to the SFT model.
 *
 * <ul>
 *   <li>The reward model is refit, not warm-started: each round starts it afresh from the SFT model
 *       (a new scalar head, same seed) and trains it on every training-side ranking collected so
 *       far, so no ranking is trained on for more epochs than configured.
 *   <li>Held-out data is chosen once, by a seeded hash of the prompt ({@link HeldOutSplit}, 10 %),
 *       so a ranking held out in one round is held out in all; each round reports {@code
 *       eval_accuracy} on its own newly collected held-out rankings.
 *   <li>Every stage checkpoints under the output folder and a rerun of the same pipeline resumes
 *       where it stopped; labels are saved, so a rerun never asks the labeler again. The folder
 *       records the run's settings ({@code settings.json}) and refuses a rerun with other settings.
 *   <li>Stage progress goes to stderr unless {@link Pipeline#listeners} are given; every step is
 *       also kept in {@code out/history.jsonl}, so {@link Result#history()} is complete after a
 *       resume too.
 *   <li>{@link Pipeline#run} may be called on any thread, but one training runs at a time per JVM
 *       (DJL's PyTorch engine has one gradient collector per JVM); a second fails at once.
 * </ul>
 *
 * <p>The final policy is written as a Hugging Face folder to {@code out/policy}, swapped in whole.
 */
public final class Rlhf {
  /** The pipeline's own record of every step, in the output folder. */
  public static final String HISTORY = "history.jsonl";

  /** Where a LoRA pipeline writes its policy's adapter, beside the merged {@code policy/}. */
  public static final String POLICY_ADAPTER = "policy-adapter";

  private static final Logger LOG = LoggerFactory.getLogger(Rlhf.class);
  private static final int SCORING_BATCH = 64;
  private static final int NORMALIZATION_PROMPTS = 64;
  // Rankings are sampled at temperature 1, a broader distribution than the rollouts' 0.7, so the
  // reward model also sees responses PPO samples rarely (InstructGPT sampled comparisons broadly).
  private static final double LABEL_TEMPERATURE = 1.0;
  private static final long LABEL_SEED = 1;
  private static final long ROUND_SEED = 2;
  private static final long VALUE_HEAD_SEED = 3;

  private Rlhf() {}

  /** Starts a pipeline: supervised fine-tuning of {@code baseModel} on demonstrations. */
  public static Pipeline sft(Path baseModel, List<Demonstration> demonstrations, SftConfig config) {
    checkArgument(!demonstrations.isEmpty(), "SFT needs demonstrations");
    return new Pipeline(baseModel, demonstrations, config);
  }

  /**
   * Starts a pipeline from {@code model} as it is (a base or an instruct model), with no SFT: the
   * model is the policy's starting point and the KL anchor, as TRL's GRPOTrainer starts. E.g. GRPO
   * with a plain Java reward: {@code Rlhf.from(model).thenRl(prompts, PpoConfig.grpo().build(),
   * 100).rewardFunction((prompt, response) -> ...).run(out)}.
   */
  public static Pipeline from(Path model) {
    return new Pipeline(model, List.of(), SftConfig.builder().build());
  }

  /**
   * What a pipeline run produced: the trained policy to sample from, the learned reward model to
   * score with (when the run trained one), where both were saved, and every step's metrics. Close
   * it to free the models. Its folders load anywhere ({@code PretrainedModel.load}, transformers),
   * so nothing here ties a caller to the engine's classes.
   */
  public static final class Result implements AutoCloseable {
    private final Policy policy;
    private final Path policyFolder;
    private final Optional<Path> rewardModelFolder;
    private final List<StepMetrics> history;
    private final EngineModels engine;

    private Result(
        Policy policy,
        Path policyFolder,
        Optional<Path> rewardModelFolder,
        List<StepMetrics> history,
        EngineModels engine) {
      this.policy = policy;
      this.policyFolder = policyFolder;
      this.rewardModelFolder = rewardModelFolder;
      this.history = List.copyOf(history);
      this.engine = engine;
    }

    /** The trained policy, to sample from and score with. */
    public Policy policy() {
      return policy;
    }

    /** Where the policy was saved as a Hugging Face folder. */
    public Path policyFolder() {
      return policyFolder;
    }

    /** The last round's learned reward model; empty with DPO, KTO or a reward the caller gave. */
    public Optional<RewardModel> rewardModel() {
      return Optional.ofNullable(engine.rewardModel());
    }

    /** The last round's reward model folder; empty with DPO, KTO or a reward the caller gave. */
    public Optional<Path> rewardModelFolder() {
      return rewardModelFolder;
    }

    /** Every step of every stage, this run's and those of the runs it resumed. */
    public List<StepMetrics> history() {
      return history;
    }

    // The engine's objects, for this package's tests; not API (they would tie callers to DJL).
    EngineModels engine() {
      return engine;
    }

    Result withHistory(List<StepMetrics> steps) {
      return new Result(policy, policyFolder, rewardModelFolder, steps, engine);
    }

    @Override
    public void close() {
      try {
        engine.resources().close();
      } catch (Exception e) {
        throw new IllegalStateException("closing the pipeline's models failed", e);
      }
    }
  }

  // The engine's objects behind a Result: the policy network, the last round's reward model (null
  // with DPO, KTO or a given reward) and what Result.close() frees.
  record EngineModels(CausalLm policy, DjlRewardModel rewardModel, AutoCloseable resources) {}

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
    private DpoConfig dpoConfig;
    private List<EpisodeRanking> episodeRankings; // DPO on ranked episodes, or null
    private KtoConfig ktoConfig;
    private List<LabeledCompletion> ktoData;
    private SamplingConfig labelSampling =
        SamplingConfig.builder().temperature(0.7).maxNewTokens(64).build();
    private int rounds = 1;
    private Labeler labeler;
    private int k = 4;
    private int labelPrompts = 64;
    private final Map<String, ToDoubleBiFunction<String, String>> tracked = new LinkedHashMap<>();
    private Device device = Engine.getInstance().defaultDevice();
    private List<MetricsListener> listeners = List.of();
    private int checkpointEvery = 1;
    private long seed = 0;
    private HeldOutSplit heldOut = new HeldOutSplit(0.1, 0);
    private LoraConfig lora;
    private Map<String, Tensor> sftUpdate; // SFT's adapter, before it was merged
    private RolloutBackend rollouts;
    private String chatTemplate;
    private RewardModel givenReward; // a reward the caller brings; none is trained then
    private final List<WeightedReward.Term> givenFunctions = new ArrayList<>(); // or functions
    private List<String> evalPrompts; // held-out RL evaluation, or null
    private int evalEvery;
    private int evalSamples;
    private double evalPassThreshold;

    private Pipeline(Path baseModel, List<Demonstration> demonstrations, SftConfig config) {
      this.baseModel = checkNotNull(baseModel, "baseModel");
      this.demonstrations = List.copyOf(demonstrations);
      this.sftConfig = checkNotNull(config, "config");
    }

    // A copy: every builder method returns one, so a Pipeline never changes once made and can be
    // shared or extended in two directions.
    private Pipeline(Pipeline o) {
      this.baseModel = o.baseModel;
      this.demonstrations = o.demonstrations;
      this.sftConfig = o.sftConfig;
      this.preferences = o.preferences;
      this.labelSftSamples = o.labelSftSamples;
      this.rewardConfig = o.rewardConfig;
      this.prompts = o.prompts;
      this.ppoConfig = o.ppoConfig;
      this.ppoIterations = o.ppoIterations;
      this.dpoConfig = o.dpoConfig;
      this.episodeRankings = o.episodeRankings;
      this.ktoConfig = o.ktoConfig;
      this.ktoData = o.ktoData;
      this.labelSampling = o.labelSampling;
      this.rounds = o.rounds;
      this.labeler = o.labeler;
      this.k = o.k;
      this.labelPrompts = o.labelPrompts;
      this.tracked.putAll(o.tracked);
      this.device = o.device;
      this.listeners = o.listeners;
      this.checkpointEvery = o.checkpointEvery;
      this.seed = o.seed;
      this.heldOut = o.heldOut;
      this.lora = o.lora;
      this.sftUpdate = o.sftUpdate;
      this.rollouts = o.rollouts;
      this.chatTemplate = o.chatTemplate;
      this.givenReward = o.givenReward;
      this.givenFunctions.addAll(o.givenFunctions);
      this.evalPrompts = o.evalPrompts;
      this.evalEvery = o.evalEvery;
      this.evalSamples = o.evalSamples;
      this.evalPassThreshold = o.evalPassThreshold;
    }

    /**
     * Step 2: a reward model on human preferences (comparisons or K-wise rankings). Without a later
     * {@link #thenRl} the pipeline ends here: the reward model alone, in {@code round-1/reward}.
     */
    public Pipeline thenRewardModel(PreferenceDataset data, RewardConfig config) {
      checkState(!rewardGiven(), "a pipeline trains a reward model or takes one, not both");
      checkState(ktoConfig == null, "a pipeline runs one of KTO, DPO, or a reward model and RL");
      Pipeline p = new Pipeline(this);
      p.preferences = checkNotNull(data, "data");
      p.rewardConfig = checkNotNull(config, "config");
      return p;
    }

    /**
     * Step 2 as InstructGPT ran it: {@code labeler} ranks K samples of the SFT model for each of
     * {@link #labelPrompts} prompts, and the reward model is fit on those rankings. Later rounds
     * (see {@link #rounds(int)}) ask the same labeler about samples of the current policy.
     */
    public Pipeline thenRewardModel(Labeler labeler, int k, RewardConfig config) {
      checkArgument(k >= 2, "k must be >= 2");
      checkState(ktoConfig == null, "a pipeline runs one of KTO, DPO, or a reward model and RL");
      Pipeline p = new Pipeline(this);
      p.labeler = onlyLabeler(labeler);
      p.k = k;
      p.labelSftSamples = true;
      p.preferences = PreferenceDataset.of(List.of());
      p.rewardConfig = checkNotNull(config, "config");
      return p;
    }

    /** Step 3: {@code iterations} PPO iterations on batches drawn from {@code prompts}. */
    public Pipeline thenPpo(List<String> prompts, PpoConfig config, int iterations) {
      return thenRl(prompts, config, iterations);
    }

    /**
     * Step 3 with any algorithm of the family: {@code config}'s estimator decides (PPO with a value
     * model, or GRPO, Dr. GRPO, RLOO, REINFORCE++ without one), e.g. {@code thenRl(prompts,
     * PpoConfig.grpo().build(), 100)}.
     */
    public Pipeline thenRl(List<String> prompts, PpoConfig config, int iterations) {
      checkArgument(!prompts.isEmpty(), "RL needs prompts");
      checkArgument(iterations >= 1, "iterations must be >= 1");
      checkState(dpoConfig == null, "a pipeline runs either DPO or a reward model and RL");
      checkState(ktoConfig == null, "a pipeline runs one of KTO, DPO, or a reward model and RL");
      Pipeline p = new Pipeline(this);
      p.prompts = List.copyOf(prompts);
      p.ppoConfig = checkNotNull(config, "config");
      p.ppoIterations = iterations;
      p.labelSampling = config.sampling();
      return p;
    }

    /**
     * RL ({@link #thenRl}) against a plain Java function of (prompt text, response text), higher is
     * better, instead of a reward model trained on preferences: a rule, a verifier, a call to your
     * service. Its scores are used as they are (not normalised); PPO's value model starts from the
     * reference policy with a new scalar head. One round: there are no labels to refit on.
     */
    public Pipeline rewardFunction(ToDoubleBiFunction<String, String> reward) {
      return rewardFunction("function", 1, reward);
    }

    /**
     * As {@link #rewardFunction(ToDoubleBiFunction)}; a lambda written here is serialisable, so the
     * reward also travels to Spark executors ({@link #rolloutsOn}).
     */
    public Pipeline rewardFunction(RewardFunction reward) {
      return rewardFunction("function", 1, reward);
    }

    /** As {@link #rewardFunction(String, double, ToDoubleBiFunction)}, serialisable. */
    public Pipeline rewardFunction(String name, double weight, RewardFunction reward) {
      return addReward(WeightedReward.Term.of(name, weight, reward));
    }

    /**
     * One of several rewards, TRL's {@code reward_funcs} with {@code reward_weights}: RL maximises
     * Σ weight · reward, and each is reported as its own metric {@code reward_NAME} (its mean over
     * an iteration's samples, computed once). A weight of 0 reports a reward without optimising it.
     */
    public Pipeline rewardFunction(
        String name, double weight, ToDoubleBiFunction<String, String> reward) {
      return addReward(WeightedReward.Term.of(name, weight, reward));
    }

    /**
     * As {@link #rewardFunction(String, double, ToDoubleBiFunction)}, for a reward that scores a
     * whole batch of texts at once, such as {@link io.rlhf4j.reward.RemoteReward} (one request per
     * rollout to a reward service).
     */
    public Pipeline rewardBatch(String name, double weight, WeightedReward.BatchFunction reward) {
      return addReward(new WeightedReward.Term(name, weight, reward));
    }

    private Pipeline addReward(WeightedReward.Term term) {
      checkState(preferences == null, "a pipeline trains a reward model or takes one, not both");
      checkState(givenReward == null, "the reward was already given (rewardModel)");
      Pipeline p = new Pipeline(this);
      p.givenFunctions.add(term);
      return p;
    }

    private boolean rewardGiven() {
      return givenReward != null || !givenFunctions.isEmpty();
    }

    /**
     * RL ({@link #thenRl}) against any {@link RewardModel} the caller brings (one trained
     * elsewhere, a program over token ids), as {@link #rewardFunction} otherwise.
     */
    public Pipeline rewardModel(RewardModel reward) {
      checkState(preferences == null, "a pipeline trains a reward model or takes one, not both");
      checkState(givenFunctions.isEmpty(), "the reward was already given (rewardFunction)");
      Pipeline p = new Pipeline(this);
      p.givenReward = checkNotNull(reward, "reward");
      return p;
    }

    /**
     * Saves every model of the run with {@code template} as its tokenizer's chat template (the
     * template the conversations were rendered with, when it is not the base model's own), so the
     * trained folders render prompts the way they were trained.
     */
    public Pipeline chatTemplate(String template) {
      Pipeline p = new Pipeline(this);
      p.chatTemplate = checkNotNull(template, "template");
      return p;
    }

    /**
     * Makes RL experience on {@code backend} instead of in this process, e.g. on Spark executors
     * with rlhf-spark's {@code SparkRollouts}; with {@link PpoConfig#rolloutPartitions} shards per
     * iteration, the result is the one this process computes with the same partitions. The pipeline
     * does not close it.
     */
    public Pipeline rolloutsOn(RolloutBackend backend) {
      Pipeline p = new Pipeline(this);
      p.rollouts = checkNotNull(backend, "backend");
      return p;
    }

    /**
     * Steps 2 and 3 replaced by DPO on human preferences: the SFT model is trained directly on the
     * rankings, with itself (as it was after SFT) as the frozen reference; no reward model, no RL.
     */
    public Pipeline thenDpo(PreferenceDataset data, DpoConfig config) {
      checkState(ppoConfig == null, "a pipeline runs either DPO or a reward model and RL");
      checkState(ktoConfig == null, "a pipeline runs one of KTO, DPO, or a reward model and RL");
      Pipeline p = new Pipeline(this);
      p.preferences = checkNotNull(data, "data");
      p.dpoConfig = checkNotNull(config, "config");
      return p;
    }

    /**
     * Steps 2 and 3 replaced by DPO on ranked episodes (whole sessions with tool calls and their
     * results, as WebGPT's people compared them): each response's log-probability is taken over the
     * policy's turns only, the environment's tokens staying context ({@link
     * DpoTrainer#trainEpisodes}). One round: there is no labeler of new episodes.
     */
    public Pipeline thenDpoOnEpisodes(List<EpisodeRanking> rankings, DpoConfig config) {
      checkArgument(!rankings.isEmpty(), "DPO needs ranked episodes");
      checkState(ppoConfig == null, "a pipeline runs either DPO or a reward model and RL");
      checkState(ktoConfig == null, "a pipeline runs one of KTO, DPO, or a reward model and RL");
      Pipeline p = new Pipeline(this);
      p.preferences = PreferenceDataset.of(List.of());
      p.episodeRankings = List.copyOf(rankings);
      p.dpoConfig = checkNotNull(config, "config");
      return p;
    }

    /**
     * DPO on rankings the labeler makes of K samples of the SFT model for {@link #labelPrompts} of
     * {@code prompts}; later rounds ({@link #rounds(int)}) rank samples of the current policy and
     * train it on those (iterated, on-policy DPO), always against the SFT model.
     */
    public Pipeline thenDpo(List<String> prompts, Labeler labeler, int k, DpoConfig config) {
      checkArgument(!prompts.isEmpty(), "labelling needs prompts");
      checkArgument(k >= 2, "k must be >= 2");
      checkState(ppoConfig == null, "a pipeline runs either DPO or a reward model and RL");
      checkState(ktoConfig == null, "a pipeline runs one of KTO, DPO, or a reward model and RL");
      Pipeline p = new Pipeline(this);
      p.prompts = List.copyOf(prompts);
      p.labeler = onlyLabeler(labeler);
      p.k = k;
      p.labelSftSamples = true;
      p.preferences = PreferenceDataset.of(List.of());
      p.dpoConfig = checkNotNull(config, "config");
      return p;
    }

    /**
     * Steps 2 and 3 replaced by KTO on completions each judged good or bad on its own (thumbs up or
     * down, no pairs): the SFT model is trained on them against itself as it was after SFT. One
     * round; no reward model, no RL.
     */
    public Pipeline thenKto(List<LabeledCompletion> data, KtoConfig config) {
      checkArgument(!data.isEmpty(), "KTO needs labelled completions");
      checkState(
          ppoConfig == null && dpoConfig == null && rewardConfig == null && !rewardGiven(),
          "a pipeline runs one of KTO, DPO, or a reward model and RL");
      Pipeline p = new Pipeline(this);
      p.ktoData = List.copyOf(data);
      p.ktoConfig = checkNotNull(config, "config");
      return p;
    }

    /**
     * Iterated RLHF: {@code rounds} rounds in all, each later one labeled by {@code labeler}, for a
     * pipeline whose reward model starts from given rankings. A pipeline takes its labeler and K
     * once: here, or in {@link #thenRewardModel(Labeler, int, RewardConfig)} or {@link
     * #thenDpo(List, Labeler, int, DpoConfig)} (then call {@link #rounds(int)}).
     */
    public Pipeline rounds(int rounds, Labeler labeler, int k) {
      checkArgument(rounds >= 1, "rounds must be >= 1");
      checkArgument(k >= 2, "k must be >= 2");
      Pipeline p = new Pipeline(this);
      p.rounds = rounds;
      if (rounds > 1 || labeler != null) {
        p.labeler = onlyLabeler(labeler);
        p.k = k;
      }
      return p;
    }

    /**
     * Iterated RLHF with the labeler given to {@link #thenRewardModel(Labeler, int, RewardConfig)}.
     */
    public Pipeline rounds(int rounds) {
      checkArgument(rounds >= 1, "rounds must be >= 1");
      checkState(labeler != null || rounds == 1, "later rounds need a labeler");
      Pipeline p = new Pipeline(this);
      p.rounds = rounds;
      return p;
    }

    // The labeler and K are set in one place per pipeline, so a second one can't silently replace
    // the first (which of two K's applies would otherwise depend on call order).
    private Labeler onlyLabeler(Labeler given) {
      checkNotNull(given, "labeler");
      checkState(labeler == null, "this pipeline already has a labeler and K; they are given once");
      return given;
    }

    /** How many prompts a round labels (K samples each); default 64, capped by the prompts. */
    public Pipeline labelPrompts(int n) {
      checkArgument(n >= 1, "labelPrompts must be >= 1");
      Pipeline p = new Pipeline(this);
      p.labelPrompts = n;
      return p;
    }

    /**
     * Evaluates the RL policy on held-out {@code prompts} every {@code every} iterations, {@code
     * samples} responses each, scored by the run's reward ({@code eval_score}, {@code eval_pass@1},
     * {@code eval_pass@k} with {@code passThreshold}), and keeps the best policy beside each RL
     * checkpoint ({@code round-N/<stage>-best}); see {@link RlEvaluation}.
     */
    public Pipeline evaluateOn(List<String> prompts, int every, int samples, double passThreshold) {
      checkArgument(!prompts.isEmpty(), "evaluation needs prompts");
      Pipeline p = new Pipeline(this);
      p.evalPrompts = List.copyOf(prompts);
      p.evalEvery = every;
      p.evalSamples = samples;
      p.evalPassThreshold = passThreshold;
      return p;
    }

    // The evaluation for a trainer, its prompts encoded as RL's are.
    private RlEvaluation evaluation(SavableTokenizer tokenizer) {
      return new RlEvaluation(
          evalPrompts.stream().map(p -> tokenizer.encode(p, true)).toList(),
          evalEvery,
          evalSamples,
          evalPassThreshold);
    }

    /**
     * Reports the mean of {@code metric} over each PPO rollout's texts under {@code name}, e.g. a
     * rater's hidden score; see {@link DjlPpoTrainer#track}.
     */
    public Pipeline track(String name, ToDoubleBiFunction<String, String> metric) {
      Pipeline p = new Pipeline(this);
      p.tracked.put(checkNotNull(name, "name"), checkNotNull(metric, "metric"));
      return p;
    }

    /**
     * Trains LoRA adapters instead of full weights in every stage, on one frozen copy of the base:
     * SFT's adapter is merged into it, and the policy, reward and value models are adapters (with
     * heads) on it; the reference policy is that shared base with no adapter. The final policy is
     * written merged to {@code out/policy}, and as one PEFT adapter on the original base (SFT's
     * update and the policy's composed, rank 2r) to {@code out/policy-adapter}.
     */
    public Pipeline lora(LoraConfig config) {
      Pipeline p = new Pipeline(this);
      p.lora = checkNotNull(config, "config");
      return p;
    }

    /** Where to run (default: DJL's default device, a GPU when present). */
    public Pipeline device(Device value) {
      Pipeline p = new Pipeline(this);
      p.device = checkNotNull(value, "device");
      return p;
    }

    /**
     * Who hears about every step, instead of the default console progress. The pipeline does not
     * close them: they are the caller's.
     */
    public Pipeline listeners(List<MetricsListener> value) {
      Pipeline p = new Pipeline(this);
      p.listeners = List.copyOf(value);
      return p;
    }

    /** Checkpoint PPO every this many iterations (and at the end of each round). */
    public Pipeline checkpointEvery(int iterations) {
      checkArgument(iterations >= 1, "checkpointEvery must be >= 1");
      Pipeline p = new Pipeline(this);
      p.checkpointEvery = iterations;
      return p;
    }

    /** Seeds the held-out split, label sampling and prompt order. */
    public Pipeline seed(long value) {
      Pipeline p = new Pipeline(this);
      p.seed = value;
      p.heldOut = new HeldOutSplit(heldOut.fraction(), value);
      return p;
    }

    /** The share of prompts whose demonstrations and rankings are held out (default 0.1). */
    public Pipeline heldOutFraction(double fraction) {
      Pipeline p = new Pipeline(this);
      p.heldOut = new HeldOutSplit(fraction, seed);
      return p;
    }

    /**
     * Runs (or resumes) the pipeline, writing everything under {@code out}.
     *
     * @throws IllegalArgumentException when {@code out} holds a run made with other settings
     * @throws IllegalStateException when another training is running in this JVM
     */
    public Result run(Path out) throws IOException {
      checkState(
          ktoConfig == null || rounds == 1,
          "KTO runs one round on the given completions (rounds %s)",
          rounds);
      checkState(
          episodeRankings == null || rounds == 1,
          "DPO on episodes runs one round on the given rankings (rounds %s)",
          rounds);
      checkState(
          preferences != null || rewardGiven() || ktoConfig != null,
          "call thenRewardModel, thenDpo or thenKto before run, or give thenRl a reward");
      checkState(
          prompts != null
              || dpoConfig != null
              || ktoConfig != null
              || (rewardConfig != null && !labelSftSamples),
          "call thenPpo (or thenRl) before run");
      checkState(
          dpoConfig != null || rewardConfig != null || rewardGiven() || ktoConfig != null,
          "call thenRewardModel before run, or give thenRl a reward");
      checkState(!rewardGiven() || prompts != null, "a given reward is for RL: call thenRl");
      checkState(
          !rewardGiven() || rounds == 1,
          "a given reward is not refit: rounds must be 1 (got %s)",
          rounds);
      try (TrainingLock lock = TrainingLock.acquire("the pipeline writing " + out)) {
        GradMode.offOnThisThread();
        Models models = new Models();
        List<MetricsListener> owned = new ArrayList<>();
        try {
          // The base model is loaded before anything is written: a wrong path or a broken folder
          // fails here and leaves no settings behind to refuse the corrected rerun.
          PretrainedModel base = models.add(PretrainedModel.load(baseModel, device));
          Files.createDirectories(out);
          // A crash may have left a checkpoint half swapped in or a temporary half written.
          AtomicFiles.sweep(out);
          // More RL iterations continue a finished (or stopped) run from its last checkpoint.
          RunSettings.checkOrRecord(out, RunSettings.FILE, settings(), Set.of("ppo_iterations"));
          // The history is written first: a step is on record before any other listener sees
          // it.
          owned.add(new JsonlMetricsWriter(out.resolve(HISTORY)));
          owned.add(new JsonlSamplesWriter(out.resolve(JsonlSamplesWriter.FILE)));
          if (listeners.isEmpty()) {
            owned.add(ConsoleProgress.onStderr("loss", "eval_accuracy", "score", "kl"));
          }
          List<MetricsListener> all = new ArrayList<>(owned);
          all.addAll(listeners);
          Result result = run(out, new TrainingRun(all), models, base);
          closeAll(owned);
          return result.withHistory(MetricsFile.read(out.resolve(HISTORY)));
        } catch (IOException | RuntimeException | Error e) {
          models.close();
          closeAll(owned);
          throw e;
        }
      }
    }

    private Result run(Path out, TrainingRun run, Models models, PretrainedModel base)
        throws IOException {
      CausalLm trunk = base.model();
      SavableTokenizer tokenizer =
          chatTemplate == null ? base.tokenizer() : base.tokenizer().withChatTemplate(chatTemplate);
      if (rewardConfig != null && ppoConfig != null) {
        warnIfRewardModelSeesLess(tokenizer);
      }
      // 1. Supervised fine-tuning.
      HeldOutSplit.Parts<Demonstration> demos =
          heldOut.split(demonstrations, Demonstration::prompt);
      CausalLm sft; // the KL anchor of every round
      CausalLm policy;
      if (demonstrations.isEmpty()) {
        // No SFT: the model as given is the anchor, and a copy of it (or an adapter on it) learns.
        sft = lora == null ? models.add(trunk.copy(device)) : trunk;
        policy = lora == null ? trunk : models.add(trunk.withLora(lora));
      } else if (lora == null) {
        new SftTrainer(trunk, tokenizer, sftConfig, run)
            .train(demos.train(), demos.heldOut(), out.resolve("sft"));
        sft = models.add(trunk.copy(device));
        policy = trunk;
      } else {
        // With LoRA, SFT's adapter is merged into the base, which then is the SFT model: the
        // frozen reference and the trunk every later adapter (policy, reward, value) shares.
        try (CausalLm sftAdapter = trunk.withLora(lora)) {
          new SftTrainer(sftAdapter, tokenizer, sftConfig, run)
              .train(demos.train(), demos.heldOut(), out.resolve("sft"));
          sftUpdate = sftAdapter.toTensors();
          sftAdapter.mergeAdapter();
        }
        sft = trunk;
        policy = models.add(trunk.withLora(lora));
      }
      if (rewardGiven()) {
        runGivenReward(out, run, policy, sft, tokenizer, models);
        return finish(out, policy, tokenizer, null, null, models);
      }
      if (ktoConfig != null) {
        try (KtoTrainer kto =
            new KtoTrainer(policy, sft, tokenizer, ktoConfig, run.scoped("round-1"))) {
          kto.train(ktoData, out.resolve("round-1").resolve(KtoTrainer.STAGE));
        }
        return finish(out, policy, tokenizer, null, null, models);
      }
      if (episodeRankings != null) {
        HeldOutSplit.Parts<EpisodeRanking> parts =
            heldOut.split(episodeRankings, EpisodeRanking::prompt);
        try (DpoTrainer dpo =
            new DpoTrainer(policy, sft, tokenizer, dpoConfig, run.scoped("round-1"))) {
          dpo.trainEpisodes(
              parts.train(), parts.heldOut(), out.resolve("round-1").resolve(DpoTrainer.STAGE));
        }
        return finish(out, policy, tokenizer, null, null, models);
      }
      HeldOutSplit.Parts<Ranking> given =
          heldOut.split(preferences.stream().toList(), Ranking::prompt);
      if (dpoConfig != null) {
        runDpo(out, run, policy, sft, tokenizer, given);
        return finish(out, policy, tokenizer, null, null, models);
      }
      if (prompts == null) {
        // The reward model alone (no RL asked for): fit on the given rankings into
        // round-1/reward, a model folder best-of-N and a later RL run can load. Its scores are
        // raw: RL normalises a reward model on its own prompts when it uses one.
        DjlRewardModel reward = new DjlRewardModel(models.add(rewardNet(sft)), SCORING_BATCH);
        new RewardTrainer(reward, tokenizer, rewardConfig, run.scoped("round-1"))
            .train(given.train(), given.heldOut(), out.resolve("round-1").resolve("reward"));
        return finish(
            out, policy, tokenizer, reward, out.resolve("round-1").resolve("reward"), models);
      }
      List<Ranking> trainRankings = new ArrayList<>(given.train());
      List<int[]> promptIds = prompts.stream().map(p -> tokenizer.encode(p, true)).toList();
      double beta = ppoConfig.klCoefficient();
      DjlRewardModel reward = null;
      for (int round = 1; round <= rounds; round++) {
        Path dir = out.resolve("round-" + round);
        TrainingRun roundRun = run.scoped("round-" + round);
        // Each ranking's side of the split is fixed when it is collected: held out in this round
        // means held out in every round.
        List<Ranking> roundHeldOut = new ArrayList<>(round == 1 ? given.heldOut() : List.of());
        if (round > 1 || labelSftSamples) {
          HeldOutSplit.Parts<Ranking> fresh =
              heldOut.split(
                  labels(dir.resolve("rankings.jsonl"), policy, tokenizer, round), Ranking::prompt);
          trainRankings.addAll(fresh.train());
          roundHeldOut.addAll(fresh.heldOut());
        }
        // 2. Reward model, refit from the SFT model on every training ranking so far, evaluated on
        // this round's own held-out rankings.
        if (reward != null) {
          models.closeNow(reward.model());
        }
        reward = new DjlRewardModel(models.add(rewardNet(sft)), SCORING_BATCH);
        new RewardTrainer(reward, tokenizer, rewardConfig, roundRun)
            .train(trainRankings, roundHeldOut, dir.resolve("reward"));
        // Reference responses (SFT samples) score mean 0 under the reward model.
        reward.normalizeOn(
            new DjlPolicy(sft, tokenizer),
            promptIds.subList(0, Math.min(NORMALIZATION_PROMPTS, promptIds.size())),
            ppoConfig.sampling().toBuilder().seed(seed).build());
        // 3. RL against it (a value model initialised from it where the estimator has one), KL to
        // the SFT model.
        try (CausalLm value = ppoConfig.usesCritic() ? reward.model().copy(device) : null;
            DjlPpoTrainer ppo =
                new DjlPpoTrainer(
                    RlModels.builder(policy, reward, tokenizer)
                        .reference(sft)
                        .valueModel(value)
                        .build(),
                    roundConfig(round, beta),
                    List.of(),
                    roundRun)) {
          tracked.forEach(ppo::track);
          if (evalPrompts != null) {
            ppo.evaluateOn(evaluation(tokenizer));
          }
          if (rollouts != null) {
            ppo.rolloutsOn(rollouts);
          }
          ppo.train(promptIds, ppoIterations, dir.resolve(ppo.stage()), checkpointEvery, seed);
          beta = ppo.beta();
        }
      }
      return finish(
          out, policy, tokenizer, reward, out.resolve("round-" + rounds).resolve("reward"), models);
    }

    // 3. RL against the caller's reward: one round, a value model (where the estimator has one)
    // from the anchor with a new scalar head.
    private void runGivenReward(
        Path out,
        TrainingRun run,
        CausalLm policy,
        CausalLm anchor,
        SavableTokenizer tokenizer,
        Models models)
        throws IOException {
      List<int[]> promptIds = prompts.stream().map(p -> tokenizer.encode(p, true)).toList();
      Path dir = out.resolve("round-1");
      WeightedReward functions =
          givenReward == null ? new WeightedReward(tokenizer, givenFunctions) : null;
      try (CausalLm value = ppoConfig.usesCritic() ? headed(anchor, VALUE_HEAD_SEED) : null;
          DjlPpoTrainer rl =
              new DjlPpoTrainer(
                  RlModels.builder(policy, givenReward != null ? givenReward : functions, tokenizer)
                      .reference(anchor)
                      .valueModel(value)
                      .build(),
                  roundConfig(1, ppoConfig.klCoefficient()),
                  List.of(),
                  run.scoped("round-1"))) {
        tracked.forEach(rl::track);
        if (evalPrompts != null) {
          rl.evaluateOn(evaluation(tokenizer));
        }
        if (functions != null) {
          for (WeightedReward.Term t : functions.terms()) {
            rl.track("reward_" + t.name(), functions.term(t.name()));
          }
        }
        if (rollouts != null) {
          rl.rolloutsOn(rollouts);
        }
        rl.train(promptIds, ppoIterations, dir.resolve(rl.stage()), checkpointEvery, seed);
      }
    }

    // Writes the final policy (and, with LoRA, its composed adapter).
    private Result finish(
        Path out,
        CausalLm policy,
        SavableTokenizer tokenizer,
        DjlRewardModel reward,
        Path rewardFolder,
        Models models)
        throws IOException {
      Path policyFolder = out.resolve("policy");
      AtomicFiles.replaceFolder(
          policyFolder, temp -> PretrainedModel.save(policy, tokenizer, temp));
      if (policy.isAdapter()) {
        // SFT's update and the policy's, composed exactly into one adapter on the original base.
        Lora.Stacked whole =
            Lora.stack(policy.adaptedModules(), lora, sftUpdate, lora, policy.toTensors());
        AtomicFiles.replaceFolder(
            out.resolve(POLICY_ADAPTER),
            temp ->
                PeftAdapter.save(
                    policy.config(),
                    policy.adaptedModules(),
                    whole.config(),
                    whole.tensors(),
                    temp,
                    baseModel.toString()));
      }
      return new Result(
          new DjlPolicy(policy, tokenizer),
          policyFolder,
          Optional.ofNullable(rewardFolder),
          List.of(),
          new EngineModels(policy, reward, models));
    }

    // DPO in place of reward modelling and RL: round 1 trains on the given rankings (and, with a
    // labeler, on rankings of SFT samples); each later round on rankings of the current policy's
    // samples. The reference is always the SFT model.
    private void runDpo(
        Path out,
        TrainingRun run,
        CausalLm policy,
        CausalLm sft,
        SavableTokenizer tokenizer,
        HeldOutSplit.Parts<Ranking> given)
        throws IOException {
      for (int round = 1; round <= rounds; round++) {
        Path dir = out.resolve("round-" + round);
        List<Ranking> train = new ArrayList<>(round == 1 ? given.train() : List.of());
        List<Ranking> held = new ArrayList<>(round == 1 ? given.heldOut() : List.of());
        if (round > 1 || labelSftSamples) {
          HeldOutSplit.Parts<Ranking> fresh =
              heldOut.split(
                  labels(dir.resolve("rankings.jsonl"), policy, tokenizer, round), Ranking::prompt);
          train.addAll(fresh.train());
          held.addAll(fresh.heldOut());
        }
        try (DpoTrainer dpo =
            new DpoTrainer(policy, sft, tokenizer, dpoConfig, run.scoped("round-" + round))) {
          dpo.train(train, held, dir.resolve(DpoTrainer.STAGE));
        }
      }
    }

    // A fresh reward network on the SFT model: a copy of it with a scalar head, or with LoRA a new
    // adapter and head on the shared SFT trunk.
    private CausalLm rewardNet(CausalLm sft) {
      return headed(sft, rewardConfig.headSeed());
    }

    // `trunk` with a new scalar head: a copy, or with LoRA an adapter on the shared trunk.
    private CausalLm headed(CausalLm trunk, long headSeed) {
      if (lora == null) {
        return trunk.withScalarHead(headSeed, device);
      }
      try (CausalLm adapter = trunk.withLora(lora)) {
        return adapter.withScalarHead(headSeed, device);
      }
    }

    // The reward model reads prompt + response + EOS in PPO; if its training length is shorter,
    // training saw less of each sequence than PPO shows it.
    private void warnIfRewardModelSeesLess(SavableTokenizer tokenizer) {
      int longestPrompt =
          prompts.stream().mapToInt(p -> tokenizer.encode(p, true).length).max().orElse(0);
      int needed = longestPrompt + ppoConfig.sampling().maxNewTokens() + 1;
      if (rewardConfig.training().maxLength() < needed) {
        LOG.warn(
            "reward maxLength {} is shorter than the longest PPO sequence ({} prompt + {} new"
                + " tokens + EOS = {}): the reward model is trained on truncated sequences but"
                + " scores whole ones in PPO",
            rewardConfig.training().maxLength(),
            longestPrompt,
            ppoConfig.sampling().maxNewTokens(),
            needed);
      }
    }

    // Everything that decides what the run computes; see RunSettings.
    private JsonObject settings() {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("base_model", baseModel.toString());
      s.put("seed", seed);
      s.put("held_out_fraction", heldOut.fraction());
      s.put("demonstrations", fingerprint(demonstrations));
      s.put(
          "preferences", preferences == null ? "none" : fingerprint(preferences.stream().toList()));
      // A caller's reward is code: its class names it (a changed function of the same class is
      // the caller's to keep apart, by run folder).
      s.put(
          "given_reward",
          givenReward != null
              ? givenReward.getClass().getName()
              : givenFunctions.isEmpty()
                  ? "none"
                  : "functions " + WeightedReward.describe(givenFunctions));
      s.put("prompts", prompts == null ? "none" : fingerprint(prompts));
      s.put("label_sft_samples", labelSftSamples);
      s.put("k", k);
      s.put("label_prompts", labelPrompts);
      s.put("rounds", rounds);
      s.put("ppo_iterations", ppoIterations);
      s.put("sft", sftConfig);
      s.put("reward", rewardConfig);
      s.put("ppo", ppoConfig);
      s.put("dpo", dpoConfig);
      s.put("lora", lora);
      if (episodeRankings != null) { // only then, so the settings of other runs stay as they were
        s.put("episode_rankings", fingerprint(episodeRankings));
      }
      if (ktoConfig != null) { // only then, so the settings of other runs stay as they were
        s.put("kto_completions", fingerprint(ktoData));
        s.put("kto", ktoConfig);
      }
      return RunSettings.of(s);
    }

    private static String fingerprint(List<?> items) {
      Hasher h = Hashing.sha256().newHasher().putInt(items.size());
      for (Object item : items) {
        String text = String.valueOf(item);
        h.putInt(text.length()).putString(text, StandardCharsets.UTF_8);
      }
      return items.size() + " items, sha256 " + h.hash().toString().substring(0, 16);
    }

    // Each round draws its own rollouts (round 1 keeps the configured seed) and starts from the β
    // the previous round ended with: the policy is as far from the SFT model as it was then, so
    // restarting the adaptive controller at its initial β would let the KL overshoot again.
    private PpoConfig roundConfig(int round, double beta) {
      return round == 1
          ? ppoConfig
          : ppoConfig.toBuilder()
              .seed(Seeds.derive(ppoConfig.seed(), ROUND_SEED, round))
              .klCoefficient(beta)
              .build();
    }

    // K samples per prompt from the current policy, ranked by the labeler; saved so a rerun
    // reuses them instead of asking again. Each sample keeps whether it ended.
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
                  labelSampling.toBuilder()
                      .temperature(LABEL_TEMPERATURE)
                      .seed(Seeds.derive(seed, LABEL_SEED, round))
                      .build());
      List<Labeler.Request> requests = new ArrayList<>();
      Map<List<Object>, List<Boolean>> truncatedOf = new HashMap<>();
      for (int i = 0; i < n; i++) {
        List<String> responses = new ArrayList<>();
        List<Boolean> truncated = new ArrayList<>();
        for (int j = 0; j < k; j++) {
          Generation g = samples.get(i * k + j);
          responses.add(tokenizer.decode(g.response()));
          truncated.add(!g.endedWithEos());
        }
        requests.add(new Labeler.Request(chosen.get(i), responses, truncated));
        truncatedOf.put(List.of(chosen.get(i), responses), truncated);
      }
      // People may skip a prompt or miss a deadline: a round keeps what was ranked.
      List<Ranking> fresh = new ArrayList<>();
      for (Ranking ranked : labeler.rankAll(requests)) {
        List<Boolean> truncated = truncatedOf.get(List.of(ranked.prompt(), ranked.responses()));
        checkState(
            truncated != null,
            "the labeler must rank the prompts and responses it was given, in their order");
        fresh.add(ranked.withTruncated(truncated));
      }
      LOG.info("round {}: {} of {} prompts ranked", round, fresh.size(), requests.size());
      Jsonl.writeRankings(file, fresh);
      return fresh;
    }

    private static void closeAll(List<MetricsListener> listeners) {
      for (MetricsListener l : listeners) {
        l.close();
      }
    }
  }

  /**
   * The native models of a run: closed together when the run's {@link Result} is closed, or at once
   * when a stage throws, so a failed run leaks nothing.
   */
  private static final class Models implements AutoCloseable {
    private final Deque<AutoCloseable> open = new ArrayDeque<>();

    <T extends AutoCloseable> T add(T resource) {
      open.push(resource);
      return resource;
    }

    void closeNow(AutoCloseable resource) {
      if (open.remove(resource)) {
        closeQuietly(resource);
      }
    }

    @Override
    public void close() {
      while (!open.isEmpty()) {
        closeQuietly(open.pop());
      }
    }

    private static void closeQuietly(AutoCloseable resource) {
      try {
        resource.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed: {}", resource, e.toString());
      }
    }
  }
}
