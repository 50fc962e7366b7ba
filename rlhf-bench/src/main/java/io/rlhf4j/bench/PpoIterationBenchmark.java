package io.rlhf4j.bench;

import ai.djl.engine.Engine;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.StepMetrics;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One PPO iteration on stories260K with the default settings (64 episodes of up to 64 tokens at
 * temperature 0.7, 4 epochs of 16-episode minibatches): sampling, scoring, GAE and updates. The
 * split between generation and training is reported as auxiliary counters, taken from the trainer's
 * own {@code generate_seconds} and {@code train_seconds} metrics.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "-Dai.djl.offline=true")
public class PpoIterationBenchmark {
  /** Where ../shared is. */
  @Param("../shared")
  public String shared;

  private PretrainedModel model;
  private CausalLm value;
  private DjlPpoTrainer ppo;
  private List<int[]> prompts;

  /** Generation and training seconds of the last iteration. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Split {
    /** Seconds sampling the rollout. */
    public double generateSeconds;

    /** Seconds scoring and updating. */
    public double trainSeconds;
  }

  /** Policy, value model and a programmatic reward (the share of the letter e). */
  @Setup(Level.Trial)
  public void setUp() {
    model =
        PretrainedModel.load(
            Path.of(shared, "models/stories260K"), Engine.getInstance().defaultDevice());
    value = model.model().withScalarHead(1, model.model().manager().getDevice());
    RewardModel reward = StoryPrompts.letterE(model.tokenizer());
    PpoConfig config =
        PpoConfig.builder()
            .sampling(SamplingConfig.builder().temperature(0.7).maxNewTokens(64).build())
            .policyOptimizer(AdamWConfig.of(1e-4))
            .valueOptimizer(AdamWConfig.of(1e-4))
            .build();
    ppo =
        new DjlPpoTrainer(
            RlModels.builder(model.model(), reward, model.tokenizer()).valueModel(value).build(),
            config,
            List.of(),
            new TrainingRun(List.of()));
    prompts = StoryPrompts.of(model.tokenizer(), config.rolloutBatchSize());
  }

  /** Frees everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    ppo.close();
    value.close();
    model.close();
  }

  /** One full PPO iteration. */
  @Benchmark
  public StepMetrics iteration(Split split) {
    StepMetrics m = ppo.step(prompts);
    split.generateSeconds = m.get("generate_seconds");
    split.trainSeconds = m.get("train_seconds");
    return m;
  }
}
