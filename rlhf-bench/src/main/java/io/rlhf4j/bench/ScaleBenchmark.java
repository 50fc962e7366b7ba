package io.rlhf4j.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.LoraConfig;
import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.StepMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
 * One PPO iteration at the shapes of real models, with random weights (speed and memory do not
 * depend on the values): 8 prompts of 16 tokens, 64 new tokens each at temperature 0.7 (no EOS, so
 * every row runs the full 64 steps), 2 minibatches, 4 epochs, fp32, a programmatic reward. Full
 * fine-tuning trains a policy and a value model, each a full copy with its own AdamW, against a
 * frozen copy as reference; LoRA (rank 16, α 32, every projection) keeps one frozen base that
 * serves as the reference and under two adapters, the policy's and the value model's (with its
 * head).
 *
 * <p>Reported per iteration, as auxiliary counters: seconds of each phase (generate, score: policy,
 * reference and value passes over the rollout, update: all PPO epochs), the process's peak resident
 * set since it started (VmHWM, so it includes loading), a 2048³ fp32 matmul's rate measured in the
 * same process just before each measurement iteration (untimed), and each phase's achieved FLOP/s
 * as a fraction of that rate (-1 where it would exceed 1). After each iteration the matmul is
 * measured again and the fractions against the faster of the two are printed. A rate taken once at
 * set-up made every fraction wrong by however much the machine's load changed since (a 141 %
 * scoring fraction was printed on a busy core).
 *
 * <p>FLOPs, counted as 2 per multiply-add of the matrix products: a forward pass over a token costs
 * 2 × (projection parameters) plus 4 × context × (query width) per layer for attention, and 2 × V ×
 * D for the LM head where logits are taken (every generated token; response tokens only when
 * scoring and updating). Backward costs twice the forward with full fine-tuning; with LoRA the
 * frozen weights need only the gradient of their input, one forward's worth (the adapters' own
 * FLOPs, under 2% at rank 16, are left out).
 *
 * <p>Run: {@code java -jar rlhf-bench/target/benchmarks.jar Scale} (about 15 minutes).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 1) // JMH sums auxiliary counters over iterations: one keeps them plain
@Fork(value = 1, jvmArgsAppend = "-Dai.djl.offline=true")
public class ScaleBenchmark {
  static final int PROMPTS = 8;
  static final int PROMPT_TOKENS = 16;
  static final int NEW_TOKENS = 64;
  static final int EPOCHS = 4;
  static final int MATMUL = 2048;
  static final int GROUP = 4; // GRPO's samples per prompt

  /** The model shape. */
  @Param({"gpt2-124m", "qwen2.5-0.5b"})
  public String shape;

  /**
   * {@code full} fine-tuning PPO, {@code lora} PPO, or {@code lora-grpo}: GRPO through a LoRA view,
   * no value model, the same 8 sequences as 2 prompts × 4 samples.
   */
  @Param({"full", "lora"})
  public String mode;

  private final List<CausalLm> models = new ArrayList<>();
  private DjlPpoTrainer ppo;
  private List<int[]> prompts;
  private ModelConfig config;
  private double matmulFlops;

  /** Seconds and rates of the last iteration. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Phases {
    /** Seconds sampling the rollout. */
    public double generateSeconds;

    /** Seconds of the policy, reference and value passes over the rollout. */
    public double scoreSeconds;

    /** Seconds of the PPO epochs. */
    public double updateSeconds;

    /** Peak resident set of the process so far, GB. */
    public double peakRssGb;

    /** The same process's 2048³ fp32 matmul rate, GFLOP/s. */
    public double matmulGflops;

    /** Generation's FLOP/s over the matmul's. */
    public double generateFraction;

    /** Scoring's FLOP/s over the matmul's. */
    public double scoreFraction;

    /** The update's FLOP/s over the matmul's. */
    public double updateFraction;
  }

  /** The named shape: GPT-2 124M or Qwen2.5-0.5B (GQA 14/2, tied embeddings). */
  static ModelConfig shape(String name) {
    return switch (name) {
      case "gpt2-124m" ->
          ModelConfig.gpt2()
              .vocabSize(50_257)
              .hiddenSize(768)
              .intermediateSize(3072)
              .numLayers(12)
              .numHeads(12)
              .maxPositions(1024)
              .build();
      case "qwen2.5-0.5b" ->
          ModelConfig.llama()
              .modelType("qwen2")
              .vocabSize(151_936)
              .hiddenSize(896)
              .intermediateSize(4864)
              .numLayers(24)
              .numHeads(14)
              .numKvHeads(2)
              .maxPositions(32_768)
              .ropeTheta(1_000_000)
              .tieEmbeddings(true)
              .qkvBias(true)
              .build();
      case "qwen3-0.6b" -> // Qwen3-0.6B: 16 heads of 128 over a 1024-wide stream, q/k norms
          ModelConfig.llama()
              .modelType("qwen3")
              .vocabSize(151_936)
              .hiddenSize(1024)
              .intermediateSize(3072)
              .numLayers(28)
              .numHeads(16)
              .numKvHeads(8)
              .headDim(128)
              .maxPositions(40_960)
              .ropeTheta(1_000_000)
              .tieEmbeddings(true)
              .qkNorm(true)
              .build();
      case "llama3.2-1b" -> // Llama-3.2-1B: GQA 32/8, tied embeddings, llama3 RoPE scaling
          ModelConfig.llama()
              .vocabSize(128_256)
              .hiddenSize(2048)
              .intermediateSize(8192)
              .numLayers(16)
              .numHeads(32)
              .numKvHeads(8)
              .maxPositions(131_072)
              .ropeTheta(500_000)
              .ropeScaling(io.rlhf4j.djl.model.RopeScaling.llama3(32, 1, 4, 8192))
              .tieEmbeddings(true)
              .build();
      default -> throw new IllegalArgumentException("unknown shape " + name);
    };
  }

  /** Builds the models and the trainer and times the matmul. */
  @Setup(Level.Trial)
  public void setUp() {
    config = shape(shape);
    Device device = Engine.getInstance().defaultDevice();
    CausalLm base = keep(CausalLm.random(config, 0, device));
    CausalLm policy;
    CausalLm value;
    CausalLm reference;
    boolean grpo = mode.equals("lora-grpo");
    if (mode.startsWith("lora")) {
      LoraConfig lora = LoraConfig.builder().rank(16).alpha(32).build();
      policy = keep(base.withLora(lora));
      if (grpo) {
        value = null;
      } else {
        try (CausalLm adapter = base.withLora(lora)) {
          value = keep(adapter.withScalarHead(1, device));
        }
      }
      reference = base;
    } else {
      policy = base;
      value = keep(base.withScalarHead(1, device));
      reference = null; // the trainer keeps a frozen copy
    }
    PpoConfig ppoConfig =
        (grpo ? PpoConfig.grpo().samplesPerPrompt(GROUP) : PpoConfig.builder())
            .rolloutBatchSize(grpo ? PROMPTS / GROUP : PROMPTS)
            .miniBatchSize(PROMPTS / 2)
            .ppoEpochs(EPOCHS)
            .sampling(SamplingConfig.builder().temperature(0.7).maxNewTokens(NEW_TOKENS).build())
            .policyOptimizer(AdamWConfig.of(1e-5))
            .valueOptimizer(AdamWConfig.of(1e-5))
            .build();
    ppo =
        new DjlPpoTrainer(
            RlModels.builder(policy, evenTokens(), new IdTokenizer(config.vocabSize()))
                .reference(reference)
                .valueModel(value)
                .build(),
            ppoConfig,
            List.of(),
            new TrainingRun(List.of()));
    SplittableRandom random = new SplittableRandom(1);
    prompts = new ArrayList<>();
    for (int i = 0; i < (grpo ? PROMPTS / GROUP : PROMPTS); i++) {
      prompts.add(random.ints(PROMPT_TOKENS, 0, config.vocabSize()).toArray());
    }
    matmulFlops = matmulFlops(device);
  }

  /** The matmul rate again before each measurement iteration, beside the phases it divides. */
  @Setup(Level.Iteration)
  public void measureMatmul() {
    matmulFlops = matmulFlops(Engine.getInstance().defaultDevice());
  }

  private CausalLm keep(CausalLm model) {
    models.add(model);
    return model;
  }

  // The share of even token ids: cheap, and it depends on every sampled token.
  private static RewardModel evenTokens() {
    return (p, responses) ->
        responses.stream()
            .mapToDouble(r -> java.util.Arrays.stream(r).filter(t -> t % 2 == 0).count() / 64.0)
            .toArray();
  }

  /** Frees everything. */
  @TearDown(Level.Trial)
  public void tearDown() {
    ppo.close();
    for (int i = models.size() - 1; i >= 0; i--) {
      models.get(i).close();
    }
  }

  /** One PPO iteration. */
  @Benchmark
  public StepMetrics iteration(Phases phases) throws IOException {
    StepMetrics m = ppo.step(prompts);
    phases.generateSeconds = m.get("generate_seconds");
    phases.scoreSeconds = m.get("score_seconds");
    phases.updateSeconds = m.get("train_seconds");
    phases.peakRssGb = Memory.peakResidentMb() / 1024;
    phases.matmulGflops = matmulFlops / 1e9;
    boolean lora = mode.startsWith("lora");
    phases.generateFraction = fraction(generateFlops() / phases.generateSeconds, matmulFlops);
    phases.scoreFraction = fraction(scoreFlops() / phases.scoreSeconds, matmulFlops);
    phases.updateFraction = fraction(updateFlops(lora) / phases.updateSeconds, matmulFlops);
    last = m;
    return m;
  }

  private StepMetrics last;

  // A phase's FLOP/s over the matmul's; -1 when above 1, which means the machine's load changed
  // between the two and the figure would flatter.
  private static double fraction(double flops, double matmul) {
    double f = flops / matmul;
    return f > 1 ? -1 : f;
  }

  /**
   * The matmul again after the iteration, printed beside the one before with the phases' fractions
   * against the faster of the two, so a load change during the iteration shows.
   */
  @TearDown(Level.Iteration)
  public void matmulAfter() {
    if (last == null) {
      return;
    }
    double after = matmulFlops(Engine.getInstance().defaultDevice());
    double best = Math.max(matmulFlops, after);
    boolean lora = mode.startsWith("lora");
    System.out.printf(
        "%n[%s %s] matmul before %.1f after %.1f GFLOP/s; fractions of the faster: generate %.3f,"
            + " score %.3f, update %.3f (-1: refused, above 1)%n",
        shape,
        mode,
        matmulFlops / 1e9,
        after / 1e9,
        fraction(generateFlops() / last.get("generate_seconds"), best),
        fraction(scoreFlops() / last.get("score_seconds"), best),
        fraction(updateFlops(lora) / last.get("train_seconds"), best));
  }

  // --- FLOP counts (see the class comment) ---

  private double projectionFlopsPerToken() {
    long d = config.hiddenSize();
    long q = (long) config.numHeads() * config.headDim();
    long kv = (long) config.numKvHeads() * config.headDim();
    long mlp =
        (config.family() == ModelConfig.Family.GPT2 ? 2L : 3L) * d * config.intermediateSize();
    return 2.0 * config.numLayers() * (d * q + 2 * d * kv + q * d + mlp);
  }

  private double attentionFlops(long context) {
    return 4.0 * config.numLayers() * context * config.numHeads() * config.headDim();
  }

  private double headFlops() {
    return 2.0 * config.vocabSize() * config.hiddenSize();
  }

  // Forward FLOPs over the whole rollout sequence, with the LM head on the response tokens.
  private double sequenceForward(boolean lmHead) {
    int length = PROMPT_TOKENS + NEW_TOKENS;
    double flops = 0;
    for (int t = 1; t <= length; t++) {
      flops += projectionFlopsPerToken() + attentionFlops(t);
    }
    return PROMPTS * (flops + (lmHead ? NEW_TOKENS * headFlops() : 0));
  }

  double generateFlops() {
    double flops = 0;
    for (int t = 1; t <= PROMPT_TOKENS + NEW_TOKENS - 1; t++) {
      flops += projectionFlopsPerToken() + attentionFlops(t);
    }
    return PROMPTS * (flops + NEW_TOKENS * headFlops());
  }

  // The value model's passes only where there is one (PPO, not GRPO).
  private double valueForward() {
    return mode.equals("lora-grpo") ? 0 : sequenceForward(false);
  }

  double scoreFlops() {
    return 2 * sequenceForward(true) + valueForward();
  }

  double updateFlops(boolean lora) {
    double passes = lora ? 2 : 3; // forward + backward
    return EPOCHS * passes * (sequenceForward(true) + valueForward());
  }

  // The best of five 2048³ products, FLOP/s.
  static double matmulFlops(Device device) {
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray a = m.randomNormal(new Shape(MATMUL, MATMUL));
      NDArray b = m.randomNormal(new Shape(MATMUL, MATMUL));
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        try (NDManager step = m.newSubManager()) {
          long t0 = System.nanoTime();
          NDArray c = a.matMul(b);
          c.attach(step);
          c.getFloat(0, 0); // waits for the product on an asynchronous device
          best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
      }
      return 2.0 * MATMUL * MATMUL * MATMUL / best;
    }
  }
}
