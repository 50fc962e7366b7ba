package io.rlhf4j.djl.train;

import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.io.InputFiles;
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
 * The loop of an offline stage over examples in epochs (reward modelling, DPO): resume from a
 * checkpoint, a seeded shuffle per epoch, one batch per optimizer step, the divergence check, the
 * warmup-cosine schedule, the held-out evaluation after the last step, checkpoints at their cadence
 * and the report. The stage supplies only what it does with a batch.
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

  /**
   * The loop's settings.
   *
   * @param stage the stage name in metrics and checkpoints
   * @param batchSize examples per step
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
    int stepsPerEpoch = Math.max(1, (examples.size() + plan.batchSize() - 1) / plan.batchSize());
    long totalSteps = (long) stepsPerEpoch * plan.epochs();
    LrSchedule schedule =
        new LrSchedule(LrSchedule.Kind.COSINE, plan.warmupSteps(), totalSteps, 0.1);
    long done = 0;
    if (checkpointDir != null && Checkpoint.exists(checkpointDir)) {
      Checkpoint c = Checkpoint.load(checkpointDir, model.config());
      c.requireSeed(plan.seed(), checkpointDir);
      model.loadTensors(c.weights());
      optimizer.restore(c.optimizer(), c.optimizerStep());
      done = c.optimizerStep();
      LOG.info("resuming {} from {} at step {}", plan.stage(), checkpointDir, done);
    }
    run.start(plan.stage(), totalSteps);
    while (done < totalSteps) {
      int epoch = (int) (done / stepsPerEpoch);
      List<T> order = new ArrayList<>(examples);
      Collections.shuffle(order, new Random(plan.seed() * 1_000_003L + epoch));
      int from = (int) (done % stepsPerEpoch) * plan.batchSize();
      List<T> batch = order.subList(from, Math.min(from + plan.batchSize(), order.size()));
      Map<String, Double> m = new LinkedHashMap<>(step.apply(batch, done));
      done++;
      TrainingDivergedException.check(plan.stage(), done, "loss", m.get("loss"));
      double factor = schedule.factor(done);
      m.put("grad_norm", Steps.apply(optimizer, factor, plan.stage(), done));
      m.put("lr", optimizer.config().learningRate() * factor);
      if (done == totalSteps) {
        m.putAll(finalEval.get());
      }
      if (checkpointDir != null
          && (done == totalSteps
              || (plan.checkpointEverySteps() > 0 && done % plan.checkpointEverySteps() == 0))) {
        save(plan, checkpointDir, model, tokenizer, optimizer);
      }
      run.report(plan.stage(), done, m);
    }
    run.end(plan.stage());
  }

  private static void save(
      Plan plan, Path dir, CausalLm model, SavableTokenizer tokenizer, AdamW optimizer) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("stage", plan.stage());
    state.put("seed", plan.seed());
    try {
      Checkpoint.save(dir, model, tokenizer, optimizer, state);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot checkpoint to " + dir + ": " + InputFiles.describe(e), e);
    }
  }
}
