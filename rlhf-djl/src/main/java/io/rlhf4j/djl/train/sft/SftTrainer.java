package io.rlhf4j.djl.train.sft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.internal.engine.HostArrays;
import io.rlhf4j.djl.internal.engine.Scalars;
import io.rlhf4j.djl.internal.train.Backprop;
import io.rlhf4j.djl.internal.train.Contexts;
import io.rlhf4j.djl.internal.train.Dropouts;
import io.rlhf4j.djl.internal.train.TrainingLock;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.train.AdamW;
import io.rlhf4j.djl.train.Checkpoint;
import io.rlhf4j.djl.train.EpochLoop;
import io.rlhf4j.djl.train.Losses;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.train.EarlyStopping;
import io.rlhf4j.train.Examples;
import io.rlhf4j.train.LrSchedule;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Supervised fine-tuning (InstructGPT step 1): minimise the negative log-likelihood of the
 * demonstrated response tokens given the prompt. Prompt tokens are context only: they are masked
 * out of the loss, so they receive no gradient through it.
 *
 * <p>An optimizer step takes up to {@code gradientAccumulation} micro-batches; an epoch's last step
 * takes what is left, so every demonstration trains every epoch. The step's loss is the mean NLL
 * over all response tokens of its micro-batches, each micro-batch weighted by its share of those
 * tokens, so accumulating k micro-batches gives the gradient of one batch k times as large.
 */
public final class SftTrainer {
  /** The stage name in metrics and checkpoints. */
  public static final String STAGE = "sft";

  private final CausalLm model;
  private final SavableTokenizer tokenizer;
  private final SftConfig config;
  private final TrainingRun run;

  /**
   * Trains {@code model} in place.
   *
   * @throws IllegalArgumentException when {@code config.training().maxLength()} exceeds the model's
   *     context
   */
  public SftTrainer(CausalLm model, SavableTokenizer tokenizer, SftConfig config, TrainingRun run) {
    Contexts.check(config.training().maxLength(), model);
    Backprop.checkCheckpointing(config.training().gradientCheckpointing(), model);
    this.model = model;
    this.tokenizer = tokenizer;
    this.config = config;
    this.run = run;
  }

  /** What training achieved. */
  public record Result(long steps, double finalTrainLoss, double evalLoss, boolean stoppedEarly) {
    /** exp(eval loss). */
    public double evalPerplexity() {
      return Math.exp(evalLoss);
    }
  }

  /**
   * Trains on {@code train}, evaluating on {@code eval}.
   *
   * @param checkpointDir where to checkpoint (and resume from, if a checkpoint is there); null for
   *     none
   */
  public Result train(List<Demonstration> train, List<Demonstration> eval, Path checkpointDir) {
    Examples.warnIfGlued(train);
    return trainEncoded(
        Examples.encode(train, tokenizer, config.training().maxLength()),
        Examples.encode(eval, tokenizer, config.training().maxLength()),
        checkpointDir);
  }

  /**
   * Trains on demonstrated episodes (WebGPT's behaviour cloning): the loss is taken on the policy's
   * turns only, the environment's turns are context ({@link Examples#encode(
   * io.rlhf4j.model.Tokenizer, EpisodeDemonstration, int)}). Otherwise as {@link #train}.
   */
  public Result trainEpisodes(
      List<EpisodeDemonstration> train, List<EpisodeDemonstration> eval, Path checkpointDir) {
    int max = config.training().maxLength();
    return trainEncoded(
        train.stream().map(e -> Examples.encode(tokenizer, e, max)).toList(),
        eval.stream().map(e -> Examples.encode(tokenizer, e, max)).toList(),
        checkpointDir);
  }

  private Result trainEncoded(
      List<Examples.Example> examples, List<Examples.Example> evalExamples, Path checkpointDir) {
    try (TrainingLock lock = TrainingLock.acquire(run.name(STAGE))) {
      GradMode.offOnThisThread();
      return trainLocked(examples, evalExamples, checkpointDir);
    }
  }

  private Result trainLocked(
      List<Examples.Example> examples, List<Examples.Example> evalExamples, Path checkpointDir) {
    model.setTrainable(true);
    try (AdamW optimizer =
        new AdamW(config.training().optimizer(), model.parameters(), model.manager())) {
      SftHooks hooks = new SftHooks(evalExamples);
      EpochLoop.Outcome outcome =
          EpochLoop.run(
              config
                  .training()
                  .plan(STAGE, config.training().batchSize() * config.gradientAccumulation()),
              examples,
              model,
              tokenizer,
              optimizer,
              run,
              checkpointDir,
              (step, index) -> Map.of("loss", trainStep(step)),
              hooks);
      model.setTrainable(false);
      return new Result(
          outcome.steps(),
          outcome.last().getOrDefault("loss", Double.NaN),
          hooks.evalLoss,
          outcome.stoppedEarly());
    }
  }

  /** SFT around the shared loop: dropout seeds, epoch, evaluation cadence, early stopping. */
  private final class SftHooks implements EpochLoop.Hooks {
    private final List<Examples.Example> evalExamples;
    private EarlyStopping stopping = new EarlyStopping(config.earlyStoppingPatience(), 1e-6);
    private double evalLoss = Double.NaN;

    SftHooks(List<Examples.Example> evalExamples) {
      this.evalExamples = evalExamples;
    }

    @Override
    public LrSchedule schedule(EpochLoop.Plan plan, long totalSteps) {
      return config.schedule(totalSteps);
    }

    @Override
    public void resumed(Checkpoint c) {
      // JSON has no infinity: a run that had not evaluated yet stored null.
      stopping =
          new EarlyStopping(
              config.earlyStoppingPatience(),
              1e-6,
              c.state().get("best_eval_loss") instanceof Number n
                  ? n.doubleValue()
                  : Double.POSITIVE_INFINITY,
              ((Number) c.state().get("evals_without_improvement")).intValue());
    }

    @Override
    public void beforeStep(long step) {
      Dropouts.seed(model, config.training().seed(), step);
    }

    @Override
    public boolean afterStep(
        long done, long stepsPerEpoch, long totalSteps, Map<String, Double> m) {
      m.put("epoch", (double) done / stepsPerEpoch);
      if (done % stepsPerEpoch == 0
          || (config.evalEverySteps() > 0 && done % config.evalEverySteps() == 0)
          || done == totalSteps) {
        evalLoss = evaluateEncoded(evalExamples);
        m.put("eval_loss", evalLoss);
        m.put("eval_perplexity", Math.exp(evalLoss));
        return stopping.update(evalLoss);
      }
      return false;
    }

    @Override
    public Map<String, Object> state() {
      Map<String, Object> state = new LinkedHashMap<>();
      state.put("best_eval_loss", stopping.best());
      state.put("evals_without_improvement", stopping.withoutImprovement());
      return state;
    }
  }

  // One optimizer step's micro-batches; returns the mean NLL over all their response tokens.
  private double trainStep(List<Examples.Example> step) {
    double stepTokens = tokens(step);
    double total = 0;
    for (int start = 0; start < step.size(); start += config.training().batchSize()) {
      List<Examples.Example> batch =
          step.subList(start, Math.min(start + config.training().batchSize(), step.size()));
      try (NDManager scope = model.manager().newSubManager();
          GradientCollector collector = GradMode.collector()) {
        // This micro-batch's token mean, weighted by its share of the step's tokens.
        double share = tokens(batch) / stepTokens;
        Batch sequences = batch(scope, batch);
        Function<NDArray, NDArray> loss =
            hidden -> {
              NDArray mean = nll(sequences, hidden);
              return mean.mul(Scalars.of(mean, share));
            };
        total +=
            Backprop.run(
                    model,
                    sequences.sequences(),
                    true,
                    config.training().gradientCheckpointing(),
                    loss,
                    Function.identity(),
                    collector)
                .loss();
      }
    }
    return total;
  }

  private static double tokens(List<Examples.Example> examples) {
    return examples.stream().mapToInt(Examples.Example::trainedTokens).sum();
  }

  /** The response-token NLL of {@code batch}, for evaluation (no adapter dropout). */
  private NDArray evalLoss(NDManager scope, List<Examples.Example> batch) {
    Batch b = batch(scope, batch);
    return nll(b, model.hidden(b.sequences().tokens(), b.sequences().valid(), null));
  }

  private NDArray nll(Batch b, NDArray hidden) {
    return Losses.tokenNll(b.sequences().responseLogProbs(model, hidden, 1.0), b.mask());
  }

  private Batch batch(NDManager scope, List<Examples.Example> batch) {
    SequenceBatch sequences =
        SequenceBatch.of(
            scope,
            batch.stream().map(Examples.Example::prompt).toList(),
            batch.stream().map(Examples.Example::response).toList());
    NDArray mask = sequences.responseMask();
    if (batch.stream().anyMatch(e -> e.trained() != null)) {
      mask = mask.mul(trainedMask(scope, batch, (int) mask.getShape().get(1)));
    }
    return new Batch(sequences, mask);
  }

  // A micro-batch on the engine: its sequences and the mask of the response tokens trained on.
  private record Batch(SequenceBatch sequences, NDArray mask) {}

  // [B, R] of each example's trained flags (1 where an example has none), 0 beyond its response.
  private static NDArray trainedMask(NDManager scope, List<Examples.Example> batch, int width) {
    double[][] flags = new double[batch.size()][width];
    for (int b = 0; b < batch.size(); b++) {
      Examples.Example e = batch.get(b);
      for (int t = 0; t < e.response().length; t++) {
        flags[b][t] = e.trained() == null ? 1 : e.trained()[t];
      }
    }
    return HostArrays.tensor(scope, flags);
  }

  /** Mean response-token NLL over {@code demonstrations} (weighted by tokens). */
  public double evaluate(List<Demonstration> demonstrations) {
    return evaluateEncoded(
        Examples.encode(demonstrations, tokenizer, config.training().maxLength()));
  }

  private double evaluateEncoded(List<Examples.Example> examples) {
    if (examples.isEmpty()) {
      return Double.NaN;
    }
    double nll = 0;
    double tokens = 0;
    for (int from = 0; from < examples.size(); from += config.training().batchSize()) {
      List<Examples.Example> batch =
          examples.subList(from, Math.min(from + config.training().batchSize(), examples.size()));
      try (NDManager scope = model.manager().newSubManager()) {
        double count = batch.stream().mapToInt(Examples.Example::trainedTokens).sum();
        nll += evalLoss(scope, batch).getFloat() * count;
        tokens += count;
      }
    }
    return nll / tokens;
  }
}
