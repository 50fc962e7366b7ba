package io.rlhf4j.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.LoraConfig;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.SamplingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * Native memory across 500 LoRA PPO iterations on stories260K (one frozen base as reference, the
 * policy's and the value model's adapters on it; 8 episodes of up to 32 tokens, 2 minibatches, 2
 * epochs): the resident set after iteration 50, then its growth from 50 to 275 and from 275 to 500.
 * A leak per step or per micro-batch would grow both halves alike, by tens of MB; flat means a few
 * MB of noise.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx512m"})
public class LoraPpoMemoryBenchmark {
  /** Where ../shared is. */
  @Param("../shared")
  public String shared;

  private PretrainedModel model;
  private final List<CausalLm> views = new ArrayList<>();
  private DjlPpoTrainer ppo;
  private List<int[]> prompts;

  /** Resident-set readings. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Rss {
    /** RSS after 50 iterations, MB. */
    public double rssAt50Mb;

    /** Growth from iteration 50 to 275, MB. */
    public double firstHalfGrowthMb;

    /** Growth from iteration 275 to 500, MB. */
    public double secondHalfGrowthMb;
  }

  /** The base, two adapters and the trainer. */
  @Setup(Level.Trial)
  public void setUp() {
    Device device = Engine.getInstance().defaultDevice();
    model = PretrainedModel.load(Path.of(shared, "models/stories260K"), device);
    CausalLm base = model.model();
    LoraConfig lora = LoraConfig.builder().rank(8).alpha(16).build();
    CausalLm policy = base.withLora(lora);
    views.add(policy);
    try (CausalLm adapter = base.withLora(lora)) {
      views.add(adapter.withScalarHead(1, device));
    }
    RewardModel reward = StoryPrompts.letterE(model.tokenizer());
    PpoConfig config =
        PpoConfig.builder()
            .rolloutBatchSize(8)
            .miniBatchSize(4)
            .microBatchSize(2)
            .ppoEpochs(2)
            .sampling(SamplingConfig.builder().temperature(0.7).maxNewTokens(32).build())
            .policyOptimizer(AdamWConfig.of(1e-4))
            .valueOptimizer(AdamWConfig.of(1e-4))
            .build();
    ppo =
        new DjlPpoTrainer(
            RlModels.builder(policy, reward, model.tokenizer())
                .reference(base)
                .valueModel(views.get(1))
                .build(),
            config,
            List.of(),
            new TrainingRun(List.of()));
    prompts = StoryPrompts.of(model.tokenizer(), 8);
  }

  /** Frees everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    ppo.close();
    views.forEach(CausalLm::close);
    model.close();
  }

  /** 500 PPO iterations. */
  @Benchmark
  public void fiveHundredIterations(Rss rss) throws IOException {
    for (int i = 1; i <= 500; i++) {
      ppo.step(prompts);
      if (i == 50) {
        rss.rssAt50Mb = Memory.residentMb();
      } else if (i == 275) {
        rss.firstHalfGrowthMb = Memory.residentMb() - rss.rssAt50Mb;
      }
    }
    rss.secondHalfGrowthMb = Memory.residentMb() - rss.rssAt50Mb - rss.firstHalfGrowthMb;
  }
}
