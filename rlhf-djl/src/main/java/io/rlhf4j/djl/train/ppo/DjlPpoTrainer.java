package io.rlhf4j.djl.train.ppo;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.internal.train.TrainingLock;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.train.AdamW;
import io.rlhf4j.djl.train.Checkpoint;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.rollout.EpisodeSampler;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.djl.train.rollout.RolloutBackend;
import io.rlhf4j.djl.train.rollout.RolloutWorker;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.internal.io.InputFiles;
import io.rlhf4j.internal.train.Seeds;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.Policy;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.LoggedSample;
import io.rlhf4j.train.StepMetrics;
import io.rlhf4j.train.ppo.KlController;
import io.rlhf4j.train.ppo.KlEstimator;
import io.rlhf4j.train.ppo.KlPenalizedReward;
import io.rlhf4j.train.ppo.PpoDiagnostics;
import io.rlhf4j.train.ppo.PpoTrainer;
import io.rlhf4j.train.rl.GroupStats;
import io.rlhf4j.train.rl.OverlongPunishment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.ToDoubleBiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PPO for RLHF (InstructGPT step 3), one episode per prompt: a contextual bandit whose reward is
 * r(x, y) − β·KL(π_RL ‖ π_SFT), spread over the response tokens. Four models: the policy (trained),
 * a frozen reference, a value model initialised from the reward model (trained), and the reward
 * model (any {@link RewardModel}, frozen).
 *
 * <p>One iteration ({@link #step}) is {@link #rollout} then {@link #learn}:
 *
 * <ol>
 *   <li>sample one response per prompt at the rollout temperature ({@link ExperienceMaker});
 *   <li>score it, read exactly as reward training read the same text;
 *   <li>per-token rewards −β·KL_t with the score at the last token, GAE, whitened advantages;
 *   <li>epochs of shuffled minibatches: clipped surrogate (+ γ·ptx) on the policy, clipped value
 *       loss on the value model, each with its own AdamW ({@link PpoUpdate});
 *   <li>update β from the observed KL and report the diagnostics.
 * </ol>
 *
 * <p>The KL reported as {@code kl} and fed to the adaptive controller is always the k1 sequence sum
 * (nats, the units of the controller's target); the per-token penalty uses the configured
 * estimator, whose sequence sum is reported as {@code kl_k2} or {@code kl_k3} when it is not k1.
 */
public final class DjlPpoTrainer implements PpoTrainer {
  /** The stage name of PPO (GAE with a critic) in metrics and checkpoints. */
  public static final String STAGE = "ppo";

  /** The purpose of the evaluation's sampling stream in {@link Seeds#derive}. */
  static final long EVALUATION = 4;

  private static final Logger LOG = LoggerFactory.getLogger(DjlPpoTrainer.class);

  private final CausalLm policyModel;
  private final CausalLm reference;
  private final boolean ownsReference;
  private final CausalLm valueModel;
  private final SavableTokenizer tokenizer;
  private final PpoConfig config;
  private final TrainingRun run;
  private final String stage;
  private final DjlPolicy policy;
  private final AdamW policyOptimizer;
  private final AdamW valueOptimizer;
  private final KlController kl;
  private final ExperienceMaker experienceMaker;
  private final PpoUpdate update;
  private final Map<String, ToDoubleBiFunction<String, String>> tracked = new LinkedHashMap<>();
  private final RolloutWorker worker;
  private RlEvaluation evaluation;
  private double bestEvalScore = Double.NEGATIVE_INFINITY;
  private long iteration;
  private boolean warnedAboutMissingEos;

  /**
   * @param models the run's models: the policy and the value model (when the estimator uses one)
   *     are trained in place; the reward and the reference stay frozen. Without a reference the
   *     trainer copies the policy and owns the copy; a given one stays the caller's (in later RLHF
   *     rounds the reference is still the SFT model, not the current policy).
   * @param pretraining token sequences for PPO-ptx (ignored when its coefficient is 0)
   */
  public DjlPpoTrainer(
      RlModels models, PpoConfig config, List<int[]> pretraining, TrainingRun run) {
    CausalLm policyModel = models.policy();
    CausalLm valueModel = models.valueModel();
    checkArgument(
        config.usesCritic() == (valueModel != null),
        config.usesCritic()
            ? "the %s estimator needs a value model"
            : "the %s estimator uses no value model: leave it out",
        config.estimator());
    checkArgument(
        config.ptxCoefficient() == 0 || !pretraining.isEmpty(),
        "PPO-ptx needs pretraining sequences");
    int context = policyModel.config().maxPositions();
    for (int i = 0; i < pretraining.size(); i++) {
      int length = pretraining.get(i).length;
      checkArgument(
          length >= 2 && length <= context,
          "pretraining sequence %s has %s tokens; PPO-ptx needs 2 to %s (the model's context)",
          i,
          length,
          context);
    }
    GradMode.offOnThisThread();
    this.policyModel = policyModel;
    this.ownsReference = models.reference() == null;
    this.reference =
        ownsReference ? policyModel.copy(policyModel.manager().getDevice()) : models.reference();
    this.valueModel = valueModel;
    this.tokenizer = models.tokenizer();
    this.config = config;
    this.run = run;
    this.stage = config.stageName();
    this.policy = new DjlPolicy(policyModel, tokenizer);
    policyModel.setTrainable(true);
    this.policyOptimizer =
        new AdamW(config.policyOptimizer(), policyModel.parameters(), policyModel.manager());
    if (valueModel != null) {
      valueModel.setTrainable(true);
      this.valueOptimizer =
          new AdamW(config.valueOptimizer(), valueModel.parameters(), valueModel.manager());
    } else {
      this.valueOptimizer = null;
    }
    this.kl = config.newKlController();
    this.worker = new RolloutWorker(models.withReference(reference), config.rolloutSettings());
    this.experienceMaker = new ExperienceMaker(worker, config);
    this.update =
        new PpoUpdate(
            policyModel,
            valueModel,
            policyOptimizer,
            valueOptimizer,
            config,
            List.copyOf(pretraining),
            stage);
  }

  @Override
  public Policy policy() {
    return policy;
  }

  /** The current KL coefficient β. */
  public double beta() {
    return kl.beta();
  }

  /**
   * Also reports, each iteration, the mean of {@code metric} over the rollout's (prompt, response)
   * texts under {@code name}: a rater's hidden score, a length, anything the reward model does not
   * see. It only watches; it never enters the reward.
   */
  public DjlPpoTrainer track(String name, ToDoubleBiFunction<String, String> metric) {
    checkArgument(!tracked.containsKey(name), "metric %s is already tracked", name);
    tracked.put(name, metric);
    return this;
  }

  /**
   * Also evaluates on held-out prompts as {@code evaluation} says, in {@link #train}: the metrics
   * join the iteration's, and the best policy so far is kept beside the checkpoint.
   */
  public DjlPpoTrainer evaluateOn(RlEvaluation evaluation) {
    this.evaluation = checkNotNull(evaluation, "evaluation");
    return this;
  }

  /**
   * The held-out metrics of the policy now ({@link RlEvaluation}): sampled from the evaluation's
   * own fixed stream, scored by the run's reward.
   */
  public Map<String, Double> evaluate(RlEvaluation eval) {
    GradMode.offOnThisThread();
    int k = eval.samplesPerPrompt();
    List<int[]> rows = new ArrayList<>();
    for (int[] p : eval.prompts()) {
      for (int i = 0; i < k; i++) {
        rows.add(p);
      }
    }
    SamplingConfig sampling =
        config.sampling().toBuilder().seed(Seeds.derive(config.seed(), EVALUATION)).build();
    List<Generation> made;
    double[] extra = new double[rows.size()];
    if (config.environment().isPresent()) {
      List<EpisodeSampler.Episode> episodes =
          new EpisodeSampler(policy, config.environment().get()).sample(rows, sampling, 0);
      made = episodes.stream().map(EpisodeSampler.Episode::generation).toList();
      for (int i = 0; i < extra.length; i++) {
        extra[i] = episodes.get(i).totalTurnReward();
      }
    } else {
      made = policy.generate(rows, sampling, 0);
    }
    double[] scores = worker.score(made);
    double sum = 0;
    double passAt1 = 0;
    double passAtK = 0;
    double length = 0;
    for (int p = 0; p < eval.prompts().size(); p++) {
      int passed = 0;
      for (int i = p * k; i < (p + 1) * k; i++) {
        double s = scores[i] + extra[i];
        sum += s;
        passed += s >= eval.passThreshold() ? 1 : 0;
        length += made.get(i).response().length;
      }
      passAt1 += (double) passed / k;
      passAtK += passed > 0 ? 1 : 0;
    }
    int prompts = eval.prompts().size();
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("eval_score", sum / rows.size());
    m.put("eval_pass@1", passAt1 / prompts);
    m.put("eval_pass@" + k, passAtK / prompts);
    m.put("eval_length", length / rows.size());
    return m;
  }

  /**
   * Makes experience on {@code backend} from now on (in this process by default): e.g. rlhf-spark's
   * {@code SparkRollouts}, whose shards come back exactly as this process would make them. The
   * trainer does not close it.
   */
  public DjlPpoTrainer rolloutsOn(RolloutBackend backend) {
    experienceMaker.backend(checkNotNull(backend, "backend"));
    return this;
  }

  /** This run's stage name: "ppo", or the estimator's ("grpo", "rloo", ...). */
  public String stage() {
    return stage;
  }

  /** Iterations done so far. */
  public long iteration() {
    return iteration;
  }

  /**
   * Runs PPO until {@code iterations} are done, resuming from {@code checkpoint} when one is there.
   * Iteration i takes the next {@code rolloutBatchSize} rows of a seeded shuffle of {@code
   * prompts}, wrapping around; the trainer checkpoints every {@code checkpointEvery} iterations and
   * after the last.
   */
  public void train(
      List<int[]> prompts,
      long iterations,
      Path checkpoint,
      int checkpointEvery,
      long shuffleSeed) {
    checkArgument(!prompts.isEmpty(), "PPO needs prompts");
    checkArgument(checkpointEvery >= 1, "checkpointEvery must be >= 1");
    try (TrainingLock lock = TrainingLock.acquire(run.name(stage))) {
      if (hasCheckpointIn(checkpoint)) {
        resume(checkpoint);
      }
      List<int[]> order = new ArrayList<>(prompts);
      Collections.shuffle(order, new Random(shuffleSeed));
      run.start(stage, iterations);
      while (iteration < iterations) {
        List<int[]> batch = new ArrayList<>();
        long start = iteration * config.rolloutBatchSize();
        for (int i = 0; i < config.rolloutBatchSize(); i++) {
          batch.add(order.get((int) ((start + i) % order.size())));
        }
        Experience experience = rollout(batch, order);
        Map<String, Double> metrics = learnQuietly(experience);
        if (evaluation != null
            && (iteration % evaluation.every() == 0 || iteration == iterations)) {
          Map<String, Double> eval = evaluate(evaluation);
          metrics.putAll(eval);
          // The best policy first: a crash before the checkpoint redoes this iteration, and
          // its evaluation, exactly.
          if (eval.get("eval_score") > bestEvalScore) {
            bestEvalScore = eval.get("eval_score");
            saveBest(RlEvaluation.bestFolder(checkpoint));
          }
        }
        // Checkpoint before reporting: listeners only ever see iterations that are durable.
        if (iteration % checkpointEvery == 0 || iteration == iterations) {
          save(checkpoint);
        }
        report(experience, metrics);
      }
      run.end(stage);
    }
  }

  @Override
  public StepMetrics step(List<int[]> prompts) {
    try (TrainingLock lock = TrainingLock.acquire(run.name(stage))) {
      return learn(rollout(prompts));
    }
  }

  /**
   * Steps 1–3 of an iteration: the next iteration's experience, made with the current policy and β.
   * Sampling draws from the stream of (seed, iteration), so the same iteration of a resumed run
   * gets the same experience. Dynamic sampling's further rounds sample these prompts again ({@link
   * #train} draws them from all its prompts).
   */
  public Experience rollout(List<int[]> prompts) {
    return rollout(prompts, prompts);
  }

  // As rollout(prompts), with dynamic sampling's further prompts drawn from pool.
  private Experience rollout(List<int[]> prompts, List<int[]> pool) {
    checkArgument(
        prompts.size() == config.rolloutBatchSize(),
        "expected %s prompts, got %s",
        config.rolloutBatchSize(),
        prompts.size());
    return experienceMaker.make(prompts, pool, iteration + 1, kl.beta());
  }

  /**
   * Steps 4–5: PPO updates on {@code experience} (the next iteration's, from {@link #rollout}),
   * then β, then the report.
   */
  public StepMetrics learn(Experience experience) {
    try (TrainingLock lock = TrainingLock.acquire(run.name(stage))) {
      return report(experience, learnQuietly(experience));
    }
  }

  // The iteration's metrics, then the first few of its samples, so a reader sees what it wrote.
  private StepMetrics report(Experience e, Map<String, Double> metrics) {
    StepMetrics reported = run.report(stage, iteration, metrics);
    List<LoggedSample> samples = new ArrayList<>();
    for (int i = 0; i < Math.min(config.samplesToLog(), e.size()); i++) {
      samples.add(
          new LoggedSample(
              stage,
              iteration,
              tokenizer.decode(e.episodes().prompts().get(i)),
              EpisodeSampler.turns(tokenizer, e.episodes().responses().get(i), e.mask()[i]),
              e.episodes().scores()[i]));
    }
    if (!samples.isEmpty()) {
      run.samples(samples);
    }
    return reported;
  }

  private Map<String, Double> learnQuietly(Experience e) {
    checkArgument(
        e.iteration() == iteration + 1,
        "experience of iteration %s, but the next iteration is %s",
        e.iteration(),
        iteration + 1);
    long t0 = System.nanoTime();
    Map<String, Double> stats = update.run(e);
    long t1 = System.nanoTime();
    iteration = e.iteration();
    double meanKl =
        mean(
            KlPenalizedReward.sequenceKl(
                e.logProbs().old(), e.logProbs().reference(), e.mask(), KlEstimator.K1));
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("score", mean(e.episodes().scores()));
    m.put("kl", meanKl);
    if (config.klEstimator() != KlEstimator.K1) {
      m.put(
          "kl_" + config.klEstimator().name().toLowerCase(Locale.ROOT),
          mean(
              KlPenalizedReward.sequenceKl(
                  e.logProbs().old(), e.logProbs().reference(), e.mask(), config.klEstimator())));
    }
    m.put("beta", e.beta());
    m.put("reward", meanRowSum(e.targets().rewards(), e.mask()));
    m.putAll(stats);
    if (e.values() != null) {
      m.put(
          "explained_variance",
          PpoDiagnostics.explainedVariance(e.values(), e.targets().returns(), e.mask()));
    }
    if (config.samplesPerPrompt() > 1) {
      m.put("score_std_in_group", GroupStats.meanStd(e.episodes().scores(), e.episodes().groups()));
      m.put(
          "flat_group_fraction",
          GroupStats.flatShare(e.episodes().scores(), e.episodes().groups()));
    }
    m.put(
        "response_length",
        e.episodes().responses().stream().mapToInt(r -> r.length).average().orElse(0));
    if (config.overlongBuffer() > 0) {
      OverlongPunishment overlong =
          new OverlongPunishment(
              config.sampling().maxNewTokens(), config.overlongBuffer(), config.overlongPenalty());
      m.put(
          "overlong_penalty",
          e.episodes().responses().stream()
              .mapToDouble(r -> overlong.of(r.length))
              .average()
              .orElse(0));
    }
    double eosFraction = fraction(e.episodes().endedWithEos());
    m.put("eos_fraction", eosFraction);
    if (config.missingEosScore().isPresent()) {
      m.put("missing_eos_replaced", 1 - eosFraction);
      warnIfNoResponseEnded(eosFraction, e.size());
    }
    tracked.forEach((name, metric) -> m.put(name, meanOverTexts(metric, e)));
    m.put("generate_seconds", e.cost().generateSeconds());
    m.put("score_seconds", e.cost().scoreSeconds());
    m.putAll(e.cost().metrics());
    m.put("train_seconds", (t1 - t0) / 1e9);
    kl.update(meanKl, e.size());
    return m;
  }

  // With missingEosScore set, a batch in which nothing ended scores every response the same: the
  // reward model's judgement is gone and only the KL penalty is left to optimise. Easy to fall into
  // (a story model that never ends within maxNewTokens), so it is said out loud.
  private void warnIfNoResponseEnded(double eosFraction, int batch) {
    if (eosFraction == 0 && !warnedAboutMissingEos) {
      warnedAboutMissingEos = true;
      LOG.warn(
          "{} iteration {}: none of the {} responses emitted EOS within maxNewTokens = {}, so"
              + " every score was replaced by missingEosScore = {} and the reward carries no"
              + " signal; raise maxNewTokens, or leave missingEosScore empty (the reward model then"
              + " scores a cut-off response as it was trained to)",
          stage,
          iteration,
          batch,
          config.sampling().maxNewTokens(),
          config.missingEosScore().getAsDouble());
    }
  }

  private double meanOverTexts(ToDoubleBiFunction<String, String> metric, Experience e) {
    double sum = 0;
    for (int i = 0; i < e.size(); i++) {
      sum +=
          metric.applyAsDouble(
              tokenizer.decode(e.episodes().prompts().get(i)),
              tokenizer.decode(e.episodes().responses().get(i)));
    }
    return sum / e.size();
  }

  private static double mean(double[] values) {
    return Arrays.stream(values).average().orElse(0);
  }

  // The mean over episodes of the total shaped reward Σ_t R_t: what PPO maximises.
  private static double meanRowSum(double[][] x, double[][] mask) {
    double total = 0;
    for (int b = 0; b < x.length; b++) {
      for (int t = 0; t < x[b].length; t++) {
        total += mask[b][t] * x[b][t];
      }
    }
    return total / x.length;
  }

  private static double fraction(boolean[] flags) {
    int n = 0;
    for (boolean f : flags) {
      n += f ? 1 : 0;
    }
    return (double) n / flags.length;
  }

  /**
   * Checkpoints policy and value model with their optimizers, β and the iteration, so {@link
   * #resume} continues exactly. Both are swapped in together or neither is.
   */
  public void save(Path dir) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("stage", stage);
    state.put("iteration", iteration);
    state.put("beta", kl.beta());
    state.put("seed", config.seed());
    if (bestEvalScore > Double.NEGATIVE_INFINITY) {
      state.put("best_eval_score", bestEvalScore);
    }
    try {
      AtomicFiles.replaceFolder(
          dir,
          temp -> {
            if (valueModel != null) {
              Checkpoint.save(temp.resolve("value"), valueModel, tokenizer, valueOptimizer, state);
            }
            Checkpoint.save(temp.resolve("policy"), policyModel, tokenizer, policyOptimizer, state);
          });
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot checkpoint to " + dir + ": " + InputFiles.describe(e), e);
    }
  }

  // The policy as a model folder (the best one so far by eval_score), swapped in whole.
  private void saveBest(Path dir) {
    try {
      AtomicFiles.replaceFolder(dir, temp -> PretrainedModel.save(policyModel, tokenizer, temp));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot keep the best policy in " + dir + ": " + InputFiles.describe(e), e);
    }
  }

  /**
   * Whether {@code dir} holds a checkpoint of this trainer's kind: a policy, and a value model when
   * the estimator uses one (an interrupted swap is repaired first).
   */
  public boolean hasCheckpointIn(Path dir) {
    Path found = AtomicFiles.recovered(dir);
    return Checkpoint.exists(found.resolve("policy"))
        && (valueModel == null || Checkpoint.exists(found.resolve("value")));
  }

  /** Whether {@code dir} holds a PPO checkpoint, policy and value model. */
  public static boolean hasCheckpoint(Path dir) {
    Path found = AtomicFiles.recovered(dir);
    return Checkpoint.exists(found.resolve("policy")) && Checkpoint.exists(found.resolve("value"));
  }

  /** Restores a checkpoint written by {@link #save}. */
  public void resume(Path dir) {
    Path found = AtomicFiles.recovered(dir);
    Checkpoint p = Checkpoint.load(found.resolve("policy"), policyModel.config());
    checkArgument(
        stage.equals(p.state().get("stage")),
        "%s holds a %s checkpoint, not %s",
        dir,
        p.state().get("stage"),
        stage);
    p.requireSeed(config.seed(), dir);
    GradMode.offOnThisThread();
    policyModel.loadTensors(p.weights());
    policyOptimizer.restore(p.optimizer(), p.optimizerStep());
    if (valueModel != null) {
      Checkpoint v = Checkpoint.load(found.resolve("value"), valueModel.config());
      checkArgument(
          p.state().get("iteration").equals(v.state().get("iteration")),
          "policy and value checkpoints in %s are from different iterations",
          dir);
      valueModel.loadTensors(v.weights());
      valueOptimizer.restore(v.optimizer(), v.optimizerStep());
    }
    iteration = ((Number) p.state().get("iteration")).longValue();
    kl.restore(((Number) p.state().get("beta")).doubleValue());
    if (p.state().get("best_eval_score") instanceof Number best) {
      bestEvalScore = best.doubleValue();
    }
    LOG.info("resuming {} from {} at iteration {}", stage, dir, iteration);
  }

  @Override
  public void close() {
    policyOptimizer.close();
    if (valueModel != null) {
      valueOptimizer.close();
      valueModel.setTrainable(false);
    }
    if (ownsReference) {
      reference.close();
    }
    policyModel.setTrainable(false);
  }
}
