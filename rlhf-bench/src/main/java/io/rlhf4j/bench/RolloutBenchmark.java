package io.rlhf4j.bench;

import ai.djl.engine.Engine;
import io.rlhf4j.djl.generate.Generator;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * A stories260K rollout as PPO samples it (64 rows, temperature 1, 256 new tokens each, the KV
 * cache, sampling on the device) next to llama2.c's {@code run.c} decoding the same model in one
 * plain-C stream, both timed in the same process run. {@code run.c} is not part of rlhf4j: build it
 * beside the project first,
 *
 * <pre>
 *   git clone https://github.com/karpathy/llama2.c ../llama2.c &amp;&amp; make -C ../llama2.c runfast
 * </pre>
 *
 * <p>and the benchmark runs {@code ../llama2.c/run} (or {@code -p runc=PATH}) twenty times at
 * temperature 1 with different seeds, reporting the median of its own "achieved tok/s" as {@code
 * runcTokensPerSecond}; it fails, saying how to build it, when the binary is missing. A story ends
 * at BOS in {@code run.c}, so its streams are shorter than 256 tokens and attend over shorter
 * contexts, which favours it slightly. The same process's 2048³ matmul rate is reported beside.
 *
 * <p>Run: {@code java -jar rlhf-bench/target/benchmarks.jar Rollout}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgsAppend = "-Dai.djl.offline=true")
public class RolloutBenchmark {
  static final int ROWS = 64;
  static final int NEW_TOKENS = 256;
  private static final Pattern RATE = Pattern.compile("achieved tok/s: ([0-9.]+)");

  /** Where ../shared is. */
  @Param("../shared")
  public String shared;

  /** llama2.c's {@code run} binary. */
  @Param("../llama2.c/run")
  public String runc;

  private PretrainedModel model;
  private Generator generator;
  private List<int[]> prompts;
  private double runcRate;
  private double matmulGflops;
  private int seed;

  /** Rates of this run. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Rates {
    /** rlhf4j's rollout, tokens per second over all rows. */
    public double rlhf4jTokensPerSecond;

    /** run.c's single stream, median tokens per second. */
    public double runcTokensPerSecond;

    /** The same process's 2048³ fp32 matmul, GFLOP/s. */
    public double matmulGflops;
  }

  /** Loads the model, times run.c and the matmul. */
  @Setup(Level.Trial)
  public void setUp() throws IOException, InterruptedException {
    Path shared = Path.of(this.shared);
    Path binary = Path.of(runc);
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(
          "no llama2.c binary at "
              + binary.toAbsolutePath()
              + ": git clone https://github.com/karpathy/llama2.c ../llama2.c && make -C"
              + " ../llama2.c runfast (or pass -p runc=PATH)");
    }
    runcRate = runcMedian(binary, shared.resolve("models/stories260K"));
    model =
        PretrainedModel.load(
            shared.resolve("models/stories260K"), Engine.getInstance().defaultDevice());
    generator = new Generator(model.model(), -1); // fixed work: every row runs 256 steps
    prompts = Collections.nCopies(ROWS, new int[] {1});
    matmulGflops = ScaleBenchmark.matmulFlops(model.model().manager().getDevice()) / 1e9;
  }

  private static double runcMedian(Path binary, Path folder)
      throws IOException, InterruptedException {
    List<Double> rates = new ArrayList<>();
    for (int s = 1; s <= 20; s++) {
      Process p =
          new ProcessBuilder(
                  binary.toString(),
                  folder.resolve("stories260K.bin").toString(),
                  "-z",
                  folder.resolve("tok512.bin").toString(),
                  "-t",
                  "1.0",
                  "-n",
                  String.valueOf(NEW_TOKENS),
                  "-s",
                  String.valueOf(s))
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException("run.c failed: " + out);
      }
      Matcher m = RATE.matcher(out);
      if (!m.find()) {
        throw new IllegalStateException("run.c printed no 'achieved tok/s': " + out);
      }
      rates.add(Double.parseDouble(m.group(1)));
    }
    Collections.sort(rates);
    return (rates.get(9) + rates.get(10)) / 2;
  }

  /** Frees the model. */
  @TearDown(Level.Trial)
  public void tearDown() {
    model.close();
  }

  /** One rollout of 64 × 256 tokens. */
  @Benchmark
  public List<Generation> rollout(Rates rates) {
    long t0 = System.nanoTime();
    List<Generation> out =
        generator.generate(
            prompts,
            SamplingConfig.builder()
                .temperature(1.0)
                .maxNewTokens(NEW_TOKENS)
                .seed(seed++)
                .build());
    rates.rlhf4jTokensPerSecond = (double) ROWS * NEW_TOKENS / ((System.nanoTime() - t0) / 1e9);
    rates.runcTokensPerSecond = runcRate;
    rates.matmulGflops = matmulGflops;
    return out;
  }
}
