package io.rlhf4j.bench;

import ai.djl.engine.Engine;
import io.rlhf4j.djl.generate.Generator;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * Decoding throughput on the real stories260K model: 256 new tokens from BOS, greedy (so every row
 * runs the full 256 steps), at batch 1 and 64, with and without the KV cache. One operation is one
 * whole generate call; tokens/s = batch × 256 / (seconds per operation).
 *
 * <p>Run: {@code java -jar rlhf-bench/target/benchmarks.jar Decode -p shared=../shared}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = "-Dai.djl.offline=true")
public class DecodeBenchmark {
  static final int NEW_TOKENS = 256;

  /** Where ../shared is. */
  @Param("../shared")
  public String shared;

  /** Rows decoded together. */
  @Param({"1", "64"})
  public int batch;

  /** Whether to reuse keys and values. */
  @Param({"true", "false"})
  public boolean kvCache;

  private PretrainedModel model;
  private Generator generator;
  private List<int[]> prompts;
  private SamplingConfig config;

  /** Loads the model once. */
  @Setup(Level.Trial)
  public void setUp() {
    model =
        PretrainedModel.load(
            Path.of(shared, "models/stories260K"), Engine.getInstance().defaultDevice());
    generator = new Generator(model.model(), -1); // never stop early: fixed work per call
    prompts = Collections.nCopies(batch, new int[] {1});
    config = SamplingConfig.builder().temperature(0).maxNewTokens(NEW_TOKENS).build();
  }

  /** Frees the model. */
  @TearDown(Level.Trial)
  public void tearDown() {
    model.close();
  }

  /** One generate call of batch × 256 tokens. */
  @Benchmark
  public List<Generation> generate() {
    return generator.generate(prompts, config, kvCache);
  }
}
