package io.rlhf4j.bench;

import ai.djl.engine.Engine;
import io.rlhf4j.djl.generate.Generator;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.model.SamplingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
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
 * Native memory across 1,000 generation batches (8 rows × 32 tokens of stories260K): the process's
 * resident set after batch 100 versus after batch 1,000, reported as JMH auxiliary counters {@code
 * rssAt100Mb}, {@code rssAt1000Mb} and {@code growthMb}. Native memory that grows per step would
 * show here as tens of MB; flat means within a few MB of noise.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx512m"})
public class NativeMemoryBenchmark {
  /** Where ../shared is. */
  @Param("../shared")
  public String shared;

  private PretrainedModel model;

  /** Resident-set readings. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Rss {
    /** RSS after 100 batches, MB. */
    public double rssAt100Mb;

    /** RSS after 1,000 batches, MB. */
    public double rssAt1000Mb;

    /** Growth from batch 100 to 550, MB. */
    public double firstHalfGrowthMb;

    /** Growth from batch 550 to 1,000, MB. */
    public double secondHalfGrowthMb;
  }

  /** Loads the model. */
  @Setup(Level.Trial)
  public void setUp() {
    model =
        PretrainedModel.load(
            Path.of(shared, "models/stories260K"), Engine.getInstance().defaultDevice());
  }

  /** Frees it. */
  @TearDown(Level.Trial)
  public void tearDown() {
    model.close();
  }

  /** 1,000 sampled batches. */
  @Benchmark
  public void thousandBatches(Rss rss) throws IOException {
    Generator generator = new Generator(model.model(), 2);
    List<int[]> prompts = Collections.nCopies(8, new int[] {1});
    for (int i = 1; i <= 1000; i++) {
      generator.generate(
          prompts, SamplingConfig.builder().temperature(1).maxNewTokens(32).seed(i).build());
      if (i == 100) {
        rss.rssAt100Mb = Memory.residentMb();
      } else if (i == 550) {
        rss.firstHalfGrowthMb = Memory.residentMb() - rss.rssAt100Mb;
      }
    }
    rss.rssAt1000Mb = Memory.residentMb();
    rss.secondHalfGrowthMb = rss.rssAt1000Mb - rss.rssAt100Mb - rss.firstHalfGrowthMb;
  }
}
