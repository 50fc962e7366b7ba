package io.rlhf4j.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.ModelConfig;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * One training step (forward + backward) of a 4-layer, width-768 GPT-2 trunk on 4 × 256 tokens,
 * next to a plain fp32 matmul of the same engine, so the step's achieved FLOP/s can be stated as a
 * fraction of what the machine's matmul reaches. {@link #main} runs both and prints the ratio.
 *
 * <p>FLOPs of the step: 3 × forward (backward ≈ 2 × forward); forward = 2 × (matrix parameters) ×
 * tokens + attention 4 · B · T² · d per layer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = "-Dai.djl.offline=true")
public class TrainStepBenchmark {
  static final int LAYERS = 4;
  static final int WIDTH = 768;
  static final int BATCH = 4;
  static final int TOKENS = 256;
  static final int MATMUL = 2048;

  private CausalLm model;
  private NDManager data;
  private NDArray tokens;
  private NDArray valid;
  private NDArray a;
  private NDArray b;

  /** A trunk with a small vocabulary: the step measured is the transformer, not the LM head. */
  @Setup(Level.Trial)
  public void setUp() {
    ModelConfig config =
        ModelConfig.gpt2()
            .vocabSize(256)
            .hiddenSize(WIDTH)
            .intermediateSize(4 * WIDTH)
            .numLayers(LAYERS)
            .numHeads(12)
            .maxPositions(TOKENS)
            .build();
    model = CausalLm.random(config, 1, Engine.getInstance().defaultDevice());
    model.setTrainable(true);
    data = model.manager().newSubManager();
    long[] ids = new long[BATCH * TOKENS];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (i * 31L) % 256;
    }
    tokens = data.create(ids, new Shape(BATCH, TOKENS));
    valid = data.ones(new Shape(BATCH, TOKENS));
    a = data.randomNormal(new Shape(MATMUL, MATMUL));
    b = data.randomNormal(new Shape(MATMUL, MATMUL));
  }

  /** Frees everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    data.close();
    model.close();
  }

  /** Forward + backward of the trunk; loss = mean of the final hidden states squared. */
  @Benchmark
  public float trainStep() {
    try (NDManager step = data.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray ids = tokens.duplicate();
      ids.attach(step);
      NDArray hidden = model.hidden(ids, valid, null);
      NDArray loss = hidden.square().mean();
      collector.backward(loss);
      return loss.getFloat();
    }
  }

  /** A square fp32 matmul, MATMUL³ × 2 FLOPs. */
  @Benchmark
  public float matmul() {
    try (NDManager step = data.newSubManager()) {
      NDArray x = a.duplicate();
      x.attach(step);
      return x.matMul(b).getFloat(0, 0);
    }
  }

  /** FLOPs of one train step (see the class comment). */
  static double trainStepFlops() {
    double matrixParams = LAYERS * 12.0 * WIDTH * WIDTH;
    double tokensTotal = (double) BATCH * TOKENS;
    double attention = LAYERS * 4.0 * BATCH * TOKENS * TOKENS * WIDTH;
    return 3 * (2 * matrixParams * tokensTotal + attention);
  }

  /** Runs both benchmarks and prints achieved FLOP/s and their ratio. */
  public static void main(String[] args) throws Exception {
    var options = new OptionsBuilder().include(TrainStepBenchmark.class.getName()).build();
    double stepMs = 0;
    double matmulMs = 0;
    for (RunResult r : new Runner(options).run()) {
      double ms = r.getPrimaryResult().getScore();
      if (r.getParams().getBenchmark().endsWith("trainStep")) {
        stepMs = ms;
      } else {
        matmulMs = ms;
      }
    }
    double stepFlops = trainStepFlops() / (stepMs / 1000);
    double matmulFlops = 2.0 * MATMUL * MATMUL * MATMUL / (matmulMs / 1000);
    System.out.printf(
        "train step %.1f ms = %.1f GFLOP/s; matmul %.1f GFLOP/s; ratio %.2f%n",
        stepMs, stepFlops / 1e9, matmulFlops / 1e9, stepFlops / matmulFlops);
  }
}
