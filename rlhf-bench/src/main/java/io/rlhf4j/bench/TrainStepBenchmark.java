package io.rlhf4j.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.djl.train.AdamW;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.Losses;
import java.io.IOException;
import java.nio.file.Files;
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
 * One real SFT step of GPT-2 124M, as {@code SftTrainer} takes it: the 12-layer trunk, the LM head
 * over the response tokens, the token NLL, backward, and an AdamW update of all 124M parameters, on
 * 4 sequences of {@code tokens} tokens (a 1-token prompt, the rest response). This is the step
 * PyTorch eager and llm.c were timed on in the performance review.
 *
 * <p>Reported per iteration: the step's seconds (average over the iteration's steps), its FLOP/s as
 * a fraction of a 2048³ fp32 matmul measured just before and just after the iteration (the faster
 * of the two, so a machine that got busier mid-run lowers the fraction rather than inflating it; a
 * fraction above 1 means the load changed and is reported as -1, never as a figure), and the minor
 * page faults per step.
 *
 * <p>FLOPs, 2 per multiply-add: forward = 2 × (trunk matrix parameters) per token + 4 × t × d per
 * layer for the attention of the token at position t + 2 × V × d per response token for the head; a
 * step is 3 × forward (backward ≈ 2 × forward). Run: {@code java -jar
 * rlhf-bench/target/benchmarks.jar TrainStep}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, batchSize = 2)
@Measurement(iterations = 1, batchSize = 4) // JMH sums auxiliary counters over iterations
@Fork(value = 1, jvmArgsAppend = "-Dai.djl.offline=true")
public class TrainStepBenchmark {
  static final int BATCH = 4;
  static final int MATMUL = 2048;
  static final int VOCAB = 50_257;
  static final int WIDTH = 768;
  static final int LAYERS = 12;

  /** Tokens per sequence. */
  @Param({"64", "256"})
  public int tokens;

  /** Recompute each layer in the backward pass (gradient checkpointing) instead of keeping it. */
  @Param({"false"})
  public boolean checkpointing;

  private CausalLm model;
  private AdamW optimizer;
  private List<int[]> prompts;
  private List<int[]> responses;
  private double matmulBefore;
  private long faultsBefore;
  private int stepsInIteration;
  private long stepNanos;
  private long forwardNanos;
  private long backwardNanos;
  private long optimizerNanos;
  private long optimizerFaults;

  /** The step's rates, per measurement iteration. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Rates {
    /** GFLOP/s of the 2048³ matmul, the faster of before and after the iteration. */
    public double matmulGflops;

    /** The step's FLOP/s over the matmul's; -1 when above 1 (the machine's load changed). */
    public double fractionOfMatmul;

    /** Minor page faults per step. */
    public double pageFaultsPerStep;

    /** Of those, the ones in the AdamW update. */
    public double optimizerFaultsPerStep;

    /** Seconds per step in the forward pass: trunk, LM head and loss. */
    public double forwardSeconds;

    /** Seconds per step in the backward pass. */
    public double backwardSeconds;

    /** Seconds per step in the AdamW update. */
    public double optimizerSeconds;

    /** Peak resident set of the process so far, GB. */
    public double peakRssGb;
  }

  /** GPT-2 124M with random weights and an AdamW over every parameter. */
  @Setup(Level.Trial)
  public void setUp() {
    ModelConfig config =
        ModelConfig.gpt2()
            .vocabSize(VOCAB)
            .hiddenSize(WIDTH)
            .intermediateSize(4 * WIDTH)
            .numLayers(LAYERS)
            .numHeads(12)
            .maxPositions(1024)
            .build();
    model = CausalLm.random(config, 1, Engine.getInstance().defaultDevice());
    model.setTrainable(true);
    optimizer = new AdamW(AdamWConfig.of(1e-5), model.parameters(), model.manager());
    prompts = new ArrayList<>();
    responses = new ArrayList<>();
    for (int b = 0; b < BATCH; b++) {
      prompts.add(new int[] {b});
      int[] r = new int[tokens - 1];
      for (int i = 0; i < r.length; i++) {
        r[i] = (int) ((b * 7919L + i * 31L) % VOCAB);
      }
      responses.add(r);
    }
  }

  /** The matmul rate and the fault count before the iteration. */
  @Setup(Level.Iteration)
  public void before() throws IOException {
    matmulBefore = ScaleBenchmark.matmulFlops(Engine.getInstance().defaultDevice());
    faultsBefore = minorFaults();
    stepsInIteration = 0;
    stepNanos = 0;
    forwardNanos = 0;
    backwardNanos = 0;
    optimizerNanos = 0;
    optimizerFaults = 0;
  }

  /** Frees everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    optimizer.close();
    model.close();
  }

  /** One SFT step: forward, LM head, NLL, backward, AdamW. */
  @Benchmark
  public double step(Rates rates) throws IOException {
    long t0 = System.nanoTime();
    double loss;
    try (NDManager scope = model.manager().newSubManager();
        GradientCollector collector = GradMode.collector()) {
      SequenceBatch batch = SequenceBatch.of(scope, prompts, responses);
      if (checkpointing) { // forward and backward interleave: all of it counts as backward
        loss =
            model.backwardRecomputing(
                batch.tokens(),
                batch.valid(),
                hidden ->
                    Losses.tokenNll(
                        batch.responseLogProbs(model, hidden, 1.0), batch.responseMask()),
                collector);
        backwardNanos += System.nanoTime() - t0;
      } else {
        NDArray hidden = model.hidden(batch.tokens(), batch.valid(), null, true);
        NDArray nll =
            Losses.tokenNll(batch.responseLogProbs(model, hidden, 1.0), batch.responseMask());
        long b0 = System.nanoTime(); // libtorch runs eagerly on the CPU: the forward is done here
        forwardNanos += b0 - t0;
        collector.backward(nll);
        loss = nll.getFloat();
        backwardNanos += System.nanoTime() - b0;
      }
    }
    long faults0 = minorFaults();
    long o0 = System.nanoTime();
    optimizer.step(1.0);
    optimizerNanos += System.nanoTime() - o0;
    optimizerFaults += minorFaults() - faults0;
    stepNanos += System.nanoTime() - t0;
    stepsInIteration++;
    // Counters as of this step (JMH reads them when the iteration ends).
    double fraction = stepFlops(tokens) / (stepNanos / 1e9 / stepsInIteration) / matmulBefore;
    rates.matmulGflops = matmulBefore / 1e9;
    rates.fractionOfMatmul = fraction > 1 ? -1 : fraction;
    rates.pageFaultsPerStep = (double) (minorFaults() - faultsBefore) / stepsInIteration;
    rates.optimizerFaultsPerStep = (double) optimizerFaults / stepsInIteration;
    rates.forwardSeconds = forwardNanos / 1e9 / stepsInIteration;
    rates.backwardSeconds = backwardNanos / 1e9 / stepsInIteration;
    rates.optimizerSeconds = optimizerNanos / 1e9 / stepsInIteration;
    rates.peakRssGb = Memory.peakResidentMb() / 1024;
    return loss;
  }

  /**
   * The matmul again after the iteration: printed beside the one before, with the fraction against
   * the faster, so a load change during the iteration shows.
   */
  @TearDown(Level.Iteration)
  public void after() {
    double matmulAfter = ScaleBenchmark.matmulFlops(model.manager().getDevice());
    double step = stepNanos / 1e9 / Math.max(1, stepsInIteration);
    double fraction = stepFlops(tokens) / step / Math.max(matmulBefore, matmulAfter);
    System.out.printf(
        "%n[train step %d x %d] %.3f s/step, matmul before %.1f after %.1f GFLOP/s, fraction %s%n",
        BATCH,
        tokens,
        step,
        matmulBefore / 1e9,
        matmulAfter / 1e9,
        fraction > 1 ? "refused (above 1: the load changed)" : String.format("%.2f", fraction));
  }

  /** FLOPs of one step (see the class comment). */
  static double stepFlops(int tokens) {
    double trunkParams = LAYERS * 12.0 * WIDTH * WIDTH;
    double flops = 0;
    for (int t = 1; t <= tokens; t++) {
      flops += 2 * trunkParams + 4.0 * LAYERS * t * WIDTH;
    }
    flops += 2.0 * (tokens - 1) * VOCAB * WIDTH;
    return 3 * BATCH * flops;
  }

  // Minor page faults of this process so far (/proc/self/stat, field 10).
  private static long minorFaults() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[7]);
  }
}
