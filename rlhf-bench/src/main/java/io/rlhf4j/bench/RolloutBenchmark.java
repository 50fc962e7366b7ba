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
  static final int NEW_TOKENS = 256;
  private static final Pattern RATE = Pattern.compile("achieved tok/s: ([0-9.]+)");

  /** Where ../shared is. */
  @Param("../shared")
  public String shared;

  /** llama2.c's {@code run} binary. */
  @Param("../llama2.c/run")
  public String runc;

  /**
   * A llama2.c model folder (one checkpoint .bin, one tokenizer .bin), relative to {@link #shared}
   * or absolute: stories260K, or a random checkpoint at stories110M's shape for a decode that reads
   * 0.44 GB of weights per token.
   */
  @Param("models/stories260K")
  public String model;

  /** Rows sampled together: 64 as a PPO rollout, 1 for the same work as run.c's one stream. */
  @Param({"64", "1"})
  public int rows;

  /** How many times run.c runs (the median is reported). */
  @Param("20")
  public int runcRuns;

  private PretrainedModel loaded;
  private Generator generator;
  private List<int[]> prompts;
  private double runcRate;
  private double matmulGflops;
  private double bandwidthGbs;
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

    /** The same process's memory read rate (a sum over 1 GB), GB/s. */
    public double bandwidthGbs;

    /** rlhf4j's weights read per second (every decoding step reads each weight once), GB/s. */
    public double weightsGbs;

    /** That over the measured read rate: how close decoding runs to the memory's limit. */
    public double bandwidthFraction;
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
    Path folder = shared.resolve(model);
    runcRate = runcMedian(binary, folder, runcRuns);
    loaded = PretrainedModel.load(folder, Engine.getInstance().defaultDevice());
    generator = new Generator(loaded.model(), -1); // fixed work: every row runs 256 steps
    prompts = Collections.nCopies(rows, new int[] {1});
    matmulGflops = ScaleBenchmark.matmulFlops(loaded.model().manager().getDevice()) / 1e9;
    bandwidthGbs = readBandwidth(loaded.model().manager().getDevice()) / 1e9;
  }

  private static double runcMedian(Path binary, Path folder, int runs)
      throws IOException, InterruptedException {
    Path checkpoint;
    Path tokenizer;
    try (var files = Files.list(folder)) {
      List<Path> bins = files.filter(f -> f.toString().endsWith(".bin")).sorted().toList();
      tokenizer =
          bins.stream().filter(f -> f.getFileName().toString().startsWith("tok")).findFirst().get();
      checkpoint = bins.stream().filter(f -> !f.equals(tokenizer)).findFirst().get();
    }
    List<Double> rates = new ArrayList<>();
    for (int s = 1; s <= runs; s++) {
      Process p =
          new ProcessBuilder(
                  binary.toString(),
                  checkpoint.toString(),
                  "-z",
                  tokenizer.toString(),
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
    int n = rates.size();
    return (rates.get((n - 1) / 2) + rates.get(n / 2)) / 2;
  }

  // Bytes per second of a sum over 1 GB of fp32 (the best of five): what reading weights from
  // memory can reach here, with the engine's threads.
  static double readBandwidth(ai.djl.Device device) {
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(device)) {
      ai.djl.ndarray.NDArray a = m.ones(new ai.djl.ndarray.types.Shape(1L << 28));
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        try (ai.djl.ndarray.NDManager step = m.newSubManager()) {
          long t0 = System.nanoTime();
          ai.djl.ndarray.NDArray sum = a.sum();
          sum.attach(step);
          sum.getFloat();
          best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
      }
      return 4.0 * (1L << 28) / best;
    }
  }

  /** Frees the model. */
  @TearDown(Level.Trial)
  public void tearDown() {
    loaded.close();
  }

  /** One rollout of rows × 256 tokens. */
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
    double seconds = (System.nanoTime() - t0) / 1e9;
    rates.rlhf4jTokensPerSecond = (double) rows * NEW_TOKENS / seconds;
    rates.runcTokensPerSecond = runcRate;
    rates.matmulGflops = matmulGflops;
    rates.bandwidthGbs = bandwidthGbs;
    rates.weightsGbs = 4.0 * loaded.model().parameterCount() * NEW_TOKENS / seconds / 1e9;
    rates.bandwidthFraction = rates.weightsGbs / bandwidthGbs;
    return out;
  }
}
