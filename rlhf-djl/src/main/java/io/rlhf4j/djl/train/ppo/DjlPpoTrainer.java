package io.rlhf4j.djl.train.ppo;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.rlhf4j.djl.io.AtomicFiles;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.DjlPolicy;
import io.rlhf4j.djl.model.Scalars;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.train.AdamW;
import io.rlhf4j.djl.train.Checkpoint;
import io.rlhf4j.djl.train.Losses;
import io.rlhf4j.djl.train.Steps;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.generate.Generation;
import io.rlhf4j.model.Policy;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.train.StepMetrics;
import io.rlhf4j.train.TrainingDivergedException;
import io.rlhf4j.train.ppo.AdaptiveKlController;
import io.rlhf4j.train.ppo.Gae;
import io.rlhf4j.train.ppo.KlController;
import io.rlhf4j.train.ppo.KlPenalizedReward;
import io.rlhf4j.train.ppo.PpoDiagnostics;
import io.rlhf4j.train.ppo.PpoTrainer;
import io.rlhf4j.train.ppo.Whitening;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.ToDoubleBiFunction;

/**
 * PPO for RLHF (InstructGPT step 3), one episode per prompt: a contextual bandit whose reward is
 * r(x, y) − β·KL(π_RL ‖ π_SFT), spread over the response tokens. Four models: the policy (trained),
 * a frozen reference copy of it sharing no memory, a value model initialised from the reward model
 * (trained), and the reward model (any {@link RewardModel}, frozen).
 *
 * <p>One iteration, as numbered in {@link #step}:
 *
 * <ol>
 *   <li>sample one response per prompt at the rollout temperature;
 *   <li>score: log-probabilities of policy and reference at that temperature, values, rewards
 *       (missing EOS penalised);
 *   <li>per-token rewards −β·KL_t with the score at the last token, GAE, whitened advantages;
 *   <li>epochs of shuffled minibatches: clipped surrogate (+ γ·ptx) on the policy, clipped value
 *       loss on the value model, each with its own AdamW;
 *   <li>update β from the observed KL and report the diagnostics.
 * </ol>
 */
public final class DjlPpoTrainer implements PpoTrainer {
  /** The stage name in metrics and checkpoints. */
  public static final String STAGE = "ppo";

  private final CausalLm policyModel;
  private final CausalLm reference;
  private final boolean ownsReference;
  private final CausalLm valueModel;
  private final RewardModel rewardModel;
  private final SavableTokenizer tokenizer;
  private final PpoConfig config;
  private final TrainingRun run;
  private final DjlPolicy policy;
  private final AdamW policyOptimizer;
  private final AdamW valueOptimizer;
  private final KlController kl;
  private final List<int[]> pretraining;
  private final Map<String, ToDoubleBiFunction<String, String>> tracked = new LinkedHashMap<>();
  private long iteration;

  /**
   * @param policyModel the SFT model, trained in place
   * @param valueModel the value model (a copy of the reward model's network), trained in place
   * @param rewardModel r(x, y), frozen
   * @param pretraining token sequences for PPO-ptx (ignored when its coefficient is 0)
   */
  public DjlPpoTrainer(
      CausalLm policyModel,
      CausalLm valueModel,
      RewardModel rewardModel,
      SavableTokenizer tokenizer,
      PpoConfig config,
      List<int[]> pretraining,
      TrainingRun run) {
    this(policyModel, null, valueModel, rewardModel, tokenizer, config, pretraining, run);
  }

  /**
   * As above, with an explicit frozen reference (in later RLHF rounds the reference is still the
   * SFT model, not the current policy). The caller keeps ownership of {@code reference}; null makes
   * a private copy of the policy.
   */
  public DjlPpoTrainer(
      CausalLm policyModel,
      CausalLm reference,
      CausalLm valueModel,
      RewardModel rewardModel,
      SavableTokenizer tokenizer,
      PpoConfig config,
      List<int[]> pretraining,
      TrainingRun run) {
    checkArgument(valueModel.hasScalarHead(), "the value model needs a scalar head");
    checkArgument(
        config.ptxCoefficient() == 0 || !pretraining.isEmpty(),
        "PPO-ptx needs pretraining sequences");
    this.policyModel = policyModel;
    this.ownsReference = reference == null;
    this.reference =
        reference == null ? policyModel.copy(policyModel.manager().getDevice()) : reference;
    this.valueModel = valueModel;
    this.rewardModel = rewardModel;
    this.tokenizer = tokenizer;
    this.config = config;
    this.pretraining = List.copyOf(pretraining);
    this.run = run;
    this.policy = new DjlPolicy(policyModel, tokenizer);
    policyModel.setTrainable(true);
    valueModel.setTrainable(true);
    this.policyOptimizer =
        new AdamW(config.policyOptimizer(), policyModel.parameters(), policyModel.manager());
    this.valueOptimizer =
        new AdamW(config.valueOptimizer(), valueModel.parameters(), valueModel.manager());
    this.kl = config.newKlController();
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
    if (hasCheckpoint(checkpoint)) {
      resume(checkpoint);
    }
    List<int[]> order = new ArrayList<>(prompts);
    Collections.shuffle(order, new Random(shuffleSeed));
    run.start(STAGE, iterations);
    while (iteration < iterations) {
      List<int[]> batch = new ArrayList<>();
      long start = iteration * config.rolloutBatchSize();
      for (int i = 0; i < config.rolloutBatchSize(); i++) {
        batch.add(order.get((int) ((start + i) % order.size())));
      }
      step(batch);
      if (iteration % checkpointEvery == 0 || iteration == iterations) {
        save(checkpoint);
      }
    }
    run.end(STAGE);
  }

  /** One rollout batch after scoring: everything the updates need, on the host. */
  private record Rollout(
      List<int[]> prompts,
      List<int[]> responses,
      double[][] mask,
      double[][] oldLogp,
      double[][] values,
      double[][] advantages,
      double[][] returns,
      double[] scores,
      double[] sequenceKl,
      boolean[] endedWithEos) {}

  @Override
  public StepMetrics step(List<int[]> prompts) {
    checkArgument(
        prompts.size() == config.rolloutBatchSize(),
        "expected %s prompts, got %s",
        config.rolloutBatchSize(),
        prompts.size());
    iteration++;
    // 1. Sample one response per prompt.
    long t0 = System.nanoTime();
    List<Generation> generations =
        policy.generate(prompts, config.sampling().toBuilder().seed(streamSeed(0)).build());
    long t1 = System.nanoTime();
    // 2-3. Score the episodes and turn them into advantages.
    Rollout rollout = score(prompts, generations);
    // 4. Epochs of minibatch updates.
    Map<String, Double> stats = update(rollout);
    long t2 = System.nanoTime();
    // 5. Adapt β and report.
    double meanKl = Arrays.stream(rollout.sequenceKl()).average().orElse(0);
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("score", Arrays.stream(rollout.scores()).average().orElse(0));
    m.put("kl", meanKl);
    m.put("beta", kl.beta());
    m.put("reward", m.get("score") - kl.beta() * meanKl);
    m.putAll(stats);
    m.put(
        "explained_variance",
        PpoDiagnostics.explainedVariance(rollout.values(), rollout.returns(), rollout.mask()));
    m.put(
        "response_length",
        rollout.responses().stream().mapToInt(r -> r.length).average().orElse(0));
    m.put("eos_fraction", fraction(rollout.endedWithEos()));
    tracked.forEach((name, metric) -> m.put(name, meanOverTexts(metric, rollout)));
    m.put("generate_seconds", (t1 - t0) / 1e9);
    m.put("train_seconds", (t2 - t1) / 1e9);
    kl.update(meanKl, prompts.size());
    return run.report(STAGE, iteration, m);
  }

  private double meanOverTexts(ToDoubleBiFunction<String, String> metric, Rollout rollout) {
    double sum = 0;
    for (int i = 0; i < rollout.prompts().size(); i++) {
      sum +=
          metric.applyAsDouble(
              tokenizer.decode(rollout.prompts().get(i)),
              tokenizer.decode(rollout.responses().get(i)));
    }
    return sum / rollout.prompts().size();
  }

  private Rollout score(List<int[]> prompts, List<Generation> generations) {
    int b = prompts.size();
    List<int[]> responses = generations.stream().map(Generation::response).toList();
    boolean[] eos = new boolean[b];
    for (int i = 0; i < b; i++) {
      eos[i] = generations.get(i).endedWithEos();
    }
    double[] scores = rewardModel.score(prompts, responses);
    if (config.missingEosScore().isPresent()) {
      for (int i = 0; i < b; i++) {
        if (!eos[i]) {
          scores[i] = config.missingEosScore().getAsDouble();
        }
      }
    }
    double temperature = config.sampling().temperature();
    double[][] logp;
    double[][] refLogp;
    double[][] values;
    double[][] mask;
    try (NDManager scope = policyModel.manager().newSubManager()) {
      SequenceBatch batch = SequenceBatch.of(scope, prompts, responses);
      logp = rows(batch.responseLogProbs(forwardLogits(policyModel, batch), temperature));
      refLogp = rows(batch.responseLogProbs(forwardLogits(reference, batch), temperature));
      values = rows(batch.responseValues(valueModel.scoreAll(hidden(valueModel, batch))));
      mask = rows(batch.responseMask());
    }
    double[][] rewards =
        KlPenalizedReward.rewards(logp, refLogp, mask, scores, kl.beta(), config.klEstimator());
    Gae.Result gae = Gae.compute(rewards, values, mask, config.gamma(), config.lambda());
    double[][] advantages =
        config.whitenAdvantages()
            ? Whitening.whiten(gae.advantages(), mask, true)
            : gae.advantages();
    double[] sequenceKl = KlPenalizedReward.sequenceKl(logp, refLogp, mask, config.klEstimator());
    return new Rollout(
        prompts, responses, mask, logp, values, advantages, gae.returns(), scores, sequenceKl, eos);
  }

  private Map<String, Double> update(Rollout r) {
    int b = r.prompts().size();
    double temperature = config.sampling().temperature();
    Random order = new Random(streamSeed(1));
    double policyLoss = 0;
    double valueLoss = 0;
    double ptxLoss = 0;
    double approxKl = 0;
    double clipFraction = 0;
    double valueClipFraction = 0;
    double entropy = 0;
    double policyGradNorm = 0;
    double valueGradNorm = 0;
    int updates = 0;
    for (int epoch = 0; epoch < config.ppoEpochs(); epoch++) {
      List<Integer> indices = new ArrayList<>();
      for (int i = 0; i < b; i++) {
        indices.add(i);
      }
      java.util.Collections.shuffle(indices, order);
      for (int from = 0; from < b; from += config.miniBatchSize()) {
        List<Integer> mb = indices.subList(from, from + config.miniBatchSize());
        List<int[]> prompts = mb.stream().map(r.prompts()::get).toList();
        List<int[]> responses = mb.stream().map(r.responses()::get).toList();
        int width = width(responses);
        double[][] mask = pick(r.mask(), mb, width);
        double[][] oldLogp = pick(r.oldLogp(), mb, width);
        double[][] oldValues = pick(r.values(), mb, width);
        double[][] advantages = pick(r.advantages(), mb, width);
        double[][] returns = pick(r.returns(), mb, width);
        double[][] newLogp;
        double[][] newValues;
        // Policy: clipped surrogate, plus γ·ptx on a pretraining batch.
        try (NDManager scope = policyModel.manager().newSubManager();
            GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          SequenceBatch batch = SequenceBatch.of(scope, prompts, responses);
          NDArray logits = forwardLogits(policyModel, batch);
          NDArray logp = batch.responseLogProbs(logits, temperature);
          NDArray loss =
              Losses.policyLoss(
                  logp,
                  tensor(scope, oldLogp),
                  tensor(scope, advantages),
                  batch.responseMask(),
                  config.clipRange());
          policyLoss += loss.getFloat();
          if (config.ptxCoefficient() > 0) {
            NDArray ptx = ptxLoss(scope);
            ptx = ptx.mul(Scalars.of(ptx, config.ptxCoefficient()));
            ptxLoss += ptx.getFloat();
            loss = loss.add(ptx);
          }
          TrainingDivergedException.check(STAGE, iteration, "policy loss", loss.getFloat());
          collector.backward(loss);
          entropy += entropy(logits, batch, temperature);
          newLogp = rows(logp);
        }
        policyGradNorm += Steps.apply(policyOptimizer, 1.0, STAGE, iteration);
        // Value model: clipped value loss against the GAE returns.
        try (NDManager scope = valueModel.manager().newSubManager();
            GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          SequenceBatch batch = SequenceBatch.of(scope, prompts, responses);
          NDArray v = batch.responseValues(valueModel.scoreAll(hidden(valueModel, batch)));
          NDArray loss =
              Losses.valueLoss(
                  v,
                  tensor(scope, oldValues),
                  tensor(scope, returns),
                  batch.responseMask(),
                  config.valueClipRange());
          loss = loss.mul(Scalars.of(loss, config.valueCoefficient()));
          valueLoss += loss.getFloat();
          TrainingDivergedException.check(STAGE, iteration, "value loss", loss.getFloat());
          collector.backward(loss);
          newValues = rows(v);
        }
        valueGradNorm += Steps.apply(valueOptimizer, 1.0, STAGE, iteration);
        approxKl += PpoDiagnostics.approxKl(newLogp, oldLogp, mask);
        clipFraction += PpoDiagnostics.clipFraction(newLogp, oldLogp, mask, config.clipRange());
        valueClipFraction +=
            PpoDiagnostics.valueClipFraction(newValues, oldValues, mask, config.valueClipRange());
        updates++;
      }
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("policy_loss", policyLoss / updates);
    m.put("value_loss", valueLoss / updates);
    if (config.ptxCoefficient() > 0) {
      m.put("ptx_loss", ptxLoss / updates);
    }
    m.put("approx_kl", approxKl / updates);
    m.put("clip_fraction", clipFraction / updates);
    m.put("value_clip_fraction", valueClipFraction / updates);
    m.put("entropy", entropy / updates);
    m.put("policy_grad_norm", policyGradNorm / updates);
    m.put("value_grad_norm", valueGradNorm / updates);
    return m;
  }

  // The pretraining term: NLL of a minibatch of pretraining sequences (all tokens but the first).
  private NDArray ptxLoss(NDManager scope) {
    SplittableRandom random = new SplittableRandom(streamSeed(2) + pretraining.size());
    List<int[]> prompts = new ArrayList<>();
    List<int[]> continuations = new ArrayList<>();
    for (int i = 0; i < config.miniBatchSize(); i++) {
      int[] sequence = pretraining.get(random.nextInt(pretraining.size()));
      prompts.add(Arrays.copyOf(sequence, 1));
      continuations.add(Arrays.copyOfRange(sequence, 1, sequence.length));
    }
    SequenceBatch batch = SequenceBatch.of(scope, prompts, continuations);
    return Losses.tokenNll(
        batch.responseLogProbs(forwardLogits(policyModel, batch), 1.0), batch.responseMask());
  }

  // Mean entropy of the tempered next-token distributions at response positions.
  private static double entropy(NDArray logits, SequenceBatch batch, double temperature) {
    NDArray gathered = SequenceBatch.gatherPositions(logits, batch.predictFrom());
    NDArray z = gathered.div(Scalars.of(gathered, temperature));
    NDArray logp = z.logSoftmax(-1);
    NDArray perToken = logp.exp().mul(logp).sum(new int[] {-1}).neg();
    return Losses.maskedMean(perToken, batch.responseMask()).getFloat();
  }

  private static NDArray hidden(CausalLm model, SequenceBatch batch) {
    return model.hidden(batch.tokens(), batch.valid(), null);
  }

  private static NDArray forwardLogits(CausalLm model, SequenceBatch batch) {
    return model.logits(hidden(model, batch));
  }

  // Random streams of this iteration: a pure function of (seed, iteration, purpose), so a resumed
  // run draws exactly what an uninterrupted one would.
  private long streamSeed(int purpose) {
    return new SplittableRandom(config.seed() * 1_000_003L + iteration * 31L + purpose).nextLong();
  }

  private static double[][] rows(NDArray a) {
    long b = a.getShape().get(0);
    long r = a.getShape().get(1);
    float[] flat = a.toFloatArray();
    double[][] out = new double[(int) b][(int) r];
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < r; t++) {
        out[i][t] = flat[(int) (i * r + t)];
      }
    }
    return out;
  }

  private static NDArray tensor(NDManager scope, double[][] x) {
    int r = x.length == 0 ? 0 : x[0].length;
    float[] flat = new float[x.length * r];
    for (int i = 0; i < x.length; i++) {
      for (int t = 0; t < r; t++) {
        flat[i * r + t] = (float) x[i][t];
      }
    }
    return scope.create(flat, new Shape(x.length, r));
  }

  // Rows of a [B][R] array for the minibatch, trimmed to the minibatch's longest response (the
  // width SequenceBatch gives it), which only the mask can tell: a real token may have value 0.
  private static double[][] pick(double[][] x, List<Integer> rows, int width) {
    double[][] out = new double[rows.size()][];
    for (int k = 0; k < rows.size(); k++) {
      out[k] = Arrays.copyOf(x[rows.get(k)], width);
    }
    return out;
  }

  private static int width(List<int[]> responses) {
    return Math.max(1, responses.stream().mapToInt(r -> r.length).max().orElse(1));
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
   * #resume} continues exactly.
   */
  public void save(Path dir) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("stage", STAGE);
    state.put("iteration", iteration);
    state.put("beta", kl.beta());
    state.put("seed", config.seed());
    try {
      // Policy and value are one checkpoint: both are swapped in together or neither is.
      AtomicFiles.replaceFolder(
          dir,
          temp -> {
            Checkpoint.save(temp.resolve("value"), valueModel, tokenizer, valueOptimizer, state);
            Checkpoint.save(temp.resolve("policy"), policyModel, tokenizer, policyOptimizer, state);
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot checkpoint to " + dir, e);
    }
  }

  /** Whether {@code dir} holds a PPO checkpoint. */
  public static boolean hasCheckpoint(Path dir) {
    Path found = AtomicFiles.recovered(dir);
    return Checkpoint.exists(found.resolve("policy")) && Checkpoint.exists(found.resolve("value"));
  }

  /** Restores a checkpoint written by {@link #save}. */
  public void resume(Path dir) {
    Path found = AtomicFiles.recovered(dir);
    Checkpoint p = Checkpoint.load(found.resolve("policy"));
    Checkpoint v = Checkpoint.load(found.resolve("value"));
    checkArgument(
        p.state().get("iteration").equals(v.state().get("iteration")),
        "policy and value checkpoints in %s are from different iterations",
        dir);
    policyModel.loadTensors(p.weights());
    policyOptimizer.restore(p.optimizer(), p.optimizerStep());
    valueModel.loadTensors(v.weights());
    valueOptimizer.restore(v.optimizer(), v.optimizerStep());
    iteration = ((Number) p.state().get("iteration")).longValue();
    if (kl instanceof AdaptiveKlController adaptive) {
      adaptive.restore(((Number) p.state().get("beta")).doubleValue());
    }
  }

  @Override
  public void close() {
    policyOptimizer.close();
    valueOptimizer.close();
    if (ownsReference) {
      reference.close();
    }
    policyModel.setTrainable(false);
    valueModel.setTrainable(false);
  }
}
