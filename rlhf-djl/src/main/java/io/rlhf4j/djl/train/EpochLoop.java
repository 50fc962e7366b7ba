package io.rlhf4j.djl.train;

import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.internal.io.InputFiles;
import io.rlhf4j.train.LrSchedule;
import io.rlhf4j.train.TrainingDivergedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop of an offline stage over examples in epochs (SFT, reward modelling, DPO): resume from a
 * checkpoint, a seeded shuffle per epoch, one batch per optimizer step, the divergence check, the
 * schedule, evaluation, checkpoints at their cadence (always before the step is reported, so
 * listeners only see durable steps) and the report. The stage supplies what it does with a batch,
 * and through {@link Hooks} what it adds around a step.
 */
public final class EpochLoop {
  private static final Logger LOG = LoggerFactory.getLogger(EpochLoop.class);

  private EpochLoop() {}

  /** What a stage does with one batch: forward and backward; returns its metrics with "loss". */
  @FunctionalInterface
  public interface BatchStep<T> {
    /**
     * @param batch this step's examples
     * @param step the 0-based index of the optimizer step this batch is for
     */
    Map<String, Double> apply(List<T> batch, long step);
  }

  /** What a stage adds around the loop's steps; every method has a do-nothing default. */
  public interface Hooks {
    /** The learning-rate schedule over {@code totalSteps} (default: warmup, cosine to 10 %). */
    default LrSchedule schedule(Plan plan, long totalSteps) {
      return new LrSchedule(LrSchedule.Kind.COSINE, plan.warmupSteps(), totalSteps, 0.1);
    }

    /** Restores what the stage saved in {@link #state} from a checkpoint it resumes. */
    default void resumed(Checkpoint checkpoint) {}

    /** Before the batch of 0-based step {@code step} is applied (e.g. to seed dropout). */
    default void beforeStep(long step) {}

    /**
     * After the update of step {@code done} (1-based): adds evaluation metrics to {@code m}.
     *
     * @return true to stop early after this step
     */
    default boolean afterStep(
        long done, long stepsPerEpoch, long totalSteps, Map<String, Double> m) {
      return false;
    }

    /** What the stage keeps in its checkpoints beside the stage name and seed. */
    default Map<String, Object> state() {
      return Map.of();
    }
  }

  /**
   * How the loop ended.
   *
   * @param steps optimizer steps taken, in this run and the runs it resumed
   * @param last the last step's metrics (empty if the loop resumed a finished run)
   * @param stoppedEarly whether a hook stopped it
   */
  public record Outcome(long steps, Map<String, Double> last, boolean stoppedEarly) {}

  /**
   * The loop's settings.
   *
   * @param stage the stage name in metrics and checkpoints
   * @param batchSize examples per optimizer step
   * @param epochs passes over the examples
   * @param warmupSteps linear warmup before cosine decay to 10 %
   * @param seed the shuffling seed (epoch e shuffles with seed · 1,000,003 + e)
   * @param checkpointEverySteps checkpoint cadence (and at the end); 0 at the end only
   */
  public record Plan(
      String stage,
      int batchSize,
      int epochs,
      int warmupSteps,
      long seed,
      int checkpointEverySteps) {}

  /**
   * Trains {@code model} with {@code optimizer} on {@code examples}, resuming from {@code
   * checkpointDir} when it holds a checkpoint.
   *
   * @param finalEval metrics to add to the last step's report (held-out evaluation), or empty
   * @param checkpointDir where to checkpoint; null for none
   */
  public static <T> void run(
      Plan plan,
      List<T> examples,
      CausalLm model,
      SavableTokenizer tokenizer,
      AdamW optimizer,
      TrainingRun run,
      Path checkpointDir,
      BatchStep<T> step,
      Supplier<Map<String, Double>> finalEval) {
    run(
        plan,
        examples,
        model,
        tokenizer,
        optimizer,
        run,
        checkpointDir,
        step,
        new Hooks() {
          @Override
          public boolean afterStep(
              long done, long stepsPerEpoch, long totalSteps, Map<String, Double> m) {
            if (done == totalSteps) {
              m.putAll(finalEval.get());
            }
            return false;
          }
        });
  }

  /**
   * {@link #run(Plan, List, CausalLm, SavableTokenizer, AdamW, TrainingRun, Path, BatchStep,
   * Supplier)} with the stage's own {@link Hooks}.
   */
  public static <T> Outcome run(
      Plan plan,
      List<T> examples,
      CausalLm model,
      SavableTokenizer tokenizer,
      AdamW optimizer,
      TrainingRun run,
      Path checkpointDir,
      BatchStep<T> step,
      Hooks hooks) {
    int stepsPerEpoch = stepsPerEpoch(examples.size(), plan.batchSize());
    long totalSteps = (long) stepsPerEpoch * plan.epochs();
    LrSchedule schedule = hooks.schedule(plan, totalSteps);
    long done = 0;
    if (checkpointDir != null && Checkpoint.exists(checkpointDir)) {
      Checkpoint c = Checkpoint.load(checkpointDir, model.config());
      c.requireSeed(plan.seed(), checkpointDir);
      model.loadTensors(c.weights());
      optimizer.restore(c.optimizer(), c.optimizerStep());
      hooks.resumed(c);
      done = c.optimizerStep();
      LOG.info("resuming {} from {} at step {}", plan.stage(), checkpointDir, done);
    }
    run.start(plan.stage(), totalSteps);
    Map<String, Double> m = Map.of();
    boolean stop = false;
    while (done < totalSteps && !stop) {
      int epoch = (int) (done / stepsPerEpoch);
      List<T> order = new ArrayList<>(examples);
      Collections.shuffle(order, new Random(plan.seed() * 1_000_003L + epoch));
      int from = (int) (done % stepsPerEpoch) * plan.batchSize();
      List<T> batch = order.subList(from, Math.min(from + plan.batchSize(), order.size()));
      hooks.beforeStep(done);
      m = new LinkedHashMap<>(step.apply(batch, done));
      done++;
      TrainingDivergedException.check(plan.stage(), done, "loss", m.get("loss"));
      double factor = schedule.factor(done);
      m.put("grad_norm", Steps.apply(optimizer, factor, plan.stage(), done));
      m.put("lr", optimizer.config().learningRate() * factor);
      stop = hooks.afterStep(done, stepsPerEpoch, totalSteps, m);
      if (checkpointDir != null
          && (done == totalSteps
              || stop
              || (plan.checkpointEverySteps() > 0 && done % plan.checkpointEverySteps() == 0))) {
        save(plan, checkpointDir, model, tokenizer, optimizer, hooks.state());
      }
      run.report(plan.stage(), done, m);
    }
    run.end(plan.stage());
    return new Outcome(done, m, stop);
  }

  /**
   * Optimizer steps per epoch: every example trains every epoch, the last step taking what is left.
   */
  public static int stepsPerEpoch(int examples, int examplesPerStep) {
    return Math.max(1, (examples + examplesPerStep - 1) / examplesPerStep);
  }

  private static void save(
      Plan plan,
      Path dir,
      CausalLm model,
      SavableTokenizer tokenizer,
      AdamW optimizer,
      Map<String, Object> extra) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("stage", plan.stage());
    state.put("seed", plan.seed());
    state.putAll(extra);
    try {
      Checkpoint.save(dir, model, tokenizer, optimizer, state);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot checkpoint to " + dir + ": " + InputFiles.describe(e), e);
    }
  }
}
