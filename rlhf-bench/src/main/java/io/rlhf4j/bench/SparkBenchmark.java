package io.rlhf4j.bench;

import ai.djl.Device;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.djl.model.LoraConfig;
import io.rlhf4j.djl.model.LoraLayout;
import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.model.ParameterLayout;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.Experience;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.spark.SparkRollouts;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
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
 * Rollouts on Spark, the two costs that decide whether they pay.
 *
 * <p>{@link #rollout}: throughput against task slots. One GRPO iteration's experience on
 * stories260K (16 prompts × 4 samples = 64 rows, 128 new tokens at temperature 1, reward model and
 * reference passes), made in 2 shards, in this process, as Spark tasks in local mode with 1 or 2
 * slots, or on a standalone cluster of two one-core executor JVMs ({@code local-cluster}) started
 * in the benchmark ({@code cluster-of-2}). {@code setup} is {@code where/threads}: threads is
 * libtorch's intra-op count per JVM, set before the engine starts (each combination runs in its own
 * fork); on a 2-core machine two slots get one thread each, since two tasks of two threads would
 * oversubscribe the cores. Reported: response tokens per second (wall), the trainer's per-stage
 * seconds per iteration (generate and score summed over shards, broadcast, collect).
 *
 * <p>{@link #broadcast}: what SparkRollouts ships each iteration, at real shapes: a policy's
 * trained weights, a LoRA adapter (r = 16 on every linear projection) or every weight of a full
 * fine-tune, as the same map of fp32 tensors with random (incompressible) values, to a real
 * standalone cluster of one executor JVM ({@code local-cluster}): serialising and storing blocks on
 * the driver, then fetching and deserialising in the executor over loopback.
 *
 * <p>Both report the same process's 2048³ matmul rate. Run: {@code SPARK_SCALA_VERSION=2.12 java
 * -jar rlhf-bench/target/benchmarks.jar SparkBenchmark -p shared=../shared} (about 5 minutes, 20 GB
 * of memory at the Qwen shape; Spark's local-cluster launcher needs the variable).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Measurement(iterations = 1) // JMH sums auxiliary counters over iterations: one keeps them plain
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Xmx10g",
      "-Dai.djl.offline=true",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED"
    })
public class SparkBenchmark {
  private static final int PROMPTS = 16;
  private static final int SAMPLES = 4;
  private static final int NEW_TOKENS = 128;
  // Rollouts per measured operation: one alone lasts about a second, too short to time once.
  private static final int ROLLOUTS = 4;

  /** A GRPO trainer on stories260K, its rollouts where {@code setup} says. */
  @State(Scope.Benchmark)
  public static class Rollouts {
    /** Where the shards are made, and libtorch's intra-op threads per JVM. */
    @Param({"in-process/2", "in-process/1", "local[1]/2", "local[2]/1", "cluster-of-2/1"})
    public String setup;

    /** The shared folder. */
    @Param("../shared")
    public String shared;

    private PretrainedModel model;
    private CausalLm rewardNet;
    private DjlPpoTrainer trainer;
    private JavaSparkContext spark;
    private SparkRollouts rollouts;
    private List<int[]> prompts;
    private double matmulGflops;

    /** Starts the engine with the chosen thread count, the models, the trainer, and Spark. */
    @Setup(Level.Trial)
    public void setUp() throws java.io.IOException {
      String[] parts = setup.split("/");
      System.setProperty("ai.djl.pytorch.num_threads", parts[1]);
      model = PretrainedModel.load(Path.of(shared).resolve("models/stories260K"), Device.cpu());
      rewardNet = model.model().withScalarHead(7, Device.cpu());
      PpoConfig config =
          PpoConfig.grpo()
              .rolloutBatchSize(PROMPTS)
              .samplesPerPrompt(SAMPLES)
              .rolloutPartitions(2)
              .miniBatchSize(PROMPTS * SAMPLES)
              .sampling(SamplingConfig.builder().temperature(1.0).maxNewTokens(NEW_TOKENS).build())
              .build();
      trainer =
          new DjlPpoTrainer(
              RlModels.builder(model.model(), new DjlRewardModel(rewardNet, 32), model.tokenizer())
                  .build(),
              config,
              List.of(),
              new TrainingRun(List.of()));
      if (parts[0].equals("cluster-of-2")) {
        // Named without commas: JMH splits -p values on them.
        spark =
            new JavaSparkContext(
                clusterConf(
                        "local-cluster[2,1,2048]",
                        "rlhf4j-rollout-bench",
                        "-Dai.djl.pytorch.num_threads=1")
                    .set("spark.executorEnv.OMP_NUM_THREADS", "1"));
      } else if (!parts[0].equals("in-process")) {
        spark = new JavaSparkContext(conf(parts[0], "rlhf4j-rollout-bench"));
      }
      if (spark != null) {
        rollouts = new SparkRollouts(spark);
        trainer.rolloutsOn(rollouts);
      }
      prompts = StoryPrompts.of(model.tokenizer(), PROMPTS);
      matmulGflops = ScaleBenchmark.matmulFlops(Device.cpu()) / 1e9;
    }

    /** Frees everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
      trainer.close();
      if (spark != null) {
        rollouts.close();
        spark.stop();
      }
      rewardNet.close();
      model.close();
    }
  }

  /** Per-stage seconds and rates of the measured iterations, per iteration. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Stages {
    /** Response tokens per second of wall time. */
    public double tokensPerSecond;

    /** Seconds sampling, summed over shards. */
    public double generateSeconds;

    /** Seconds of reward, policy and reference passes, summed over shards. */
    public double scoreSeconds;

    /** Seconds broadcasting the trained weights (0 in process). */
    public double broadcastSeconds;

    /** The Spark job less its tasks' compute spread over the slots (0 in process). */
    public double collectSeconds;

    /** The same process's 2048³ fp32 matmul, GFLOP/s. */
    public double matmulGflops;
  }

  /** {@value #ROLLOUTS} iterations' experience. */
  @Benchmark
  @Warmup(iterations = 2)
  public long rollout(Rollouts r, Stages stages) {
    long tokens = 0;
    double generate = 0;
    double score = 0;
    double broadcast = 0;
    double collect = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < ROLLOUTS; i++) {
      Experience e = r.trainer.rollout(r.prompts);
      tokens += e.episodes().responses().stream().mapToInt(x -> x.length).sum();
      generate += e.cost().generateSeconds();
      score += e.cost().scoreSeconds();
      broadcast += e.cost().metrics().getOrDefault("broadcast_seconds", 0.0);
      collect += e.cost().metrics().getOrDefault("collect_seconds", 0.0);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    stages.tokensPerSecond = tokens / seconds;
    stages.generateSeconds = generate / ROLLOUTS;
    stages.scoreSeconds = score / ROLLOUTS;
    stages.broadcastSeconds = broadcast / ROLLOUTS;
    stages.collectSeconds = collect / ROLLOUTS;
    stages.matmulGflops = r.matmulGflops;
    return tokens;
  }

  /** A one-executor standalone cluster and a payload of the shape's trained weights. */
  @State(Scope.Benchmark)
  public static class Broadcasts {
    /** The model shape. */
    @Param({"gpt2-124m", "qwen2.5-0.5b"})
    public String shape;

    /** What is trained, and so shipped: {@code lora-r16} or {@code full}. */
    @Param({"lora-r16", "full"})
    public String payload;

    /** Spark's {@code spark.broadcast.compress}: LZ4 over every block (Spark's default, true). */
    @Param({"true", "false"})
    public String compress;

    private JavaSparkContext spark;
    private Map<String, Tensor> weights;
    private double megabytes;
    private double emptyJobSeconds;
    private double matmulGflops;

    /** Starts the cluster and makes the payload. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
      ModelConfig config = ScaleBenchmark.shape(shape);
      weights = payload.equals("full") ? full(config) : adapter(config);
      megabytes = 4.0 * weights.values().stream().mapToLong(Tensor::size).sum() / 1e6;
      spark =
          new JavaSparkContext(
              clusterConf("local-cluster[1,1,7168]", "rlhf4j-broadcast-bench", "")
                  .set("spark.driver.maxResultSize", "0")
                  .set("spark.executor.memory", "7g")
                  .set("spark.broadcast.compress", compress));
      spark.parallelize(List.of(1), 1).map(x -> x).collect(); // the executor is up
      long t0 = System.nanoTime();
      spark.parallelize(List.of(1), 1).map(x -> x).collect();
      emptyJobSeconds = (System.nanoTime() - t0) / 1e9;
      matmulGflops = ScaleBenchmark.matmulFlops(Device.cpu()) / 1e9;
    }

    /** Stops the cluster. */
    @TearDown(Level.Trial)
    public void tearDown() {
      spark.stop();
    }
  }

  /** Seconds and sizes of the measured broadcast. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Cost {
    /** Megabytes of fp32 values shipped. */
    public double megabytes;

    /** Driver: serialising and storing the blocks. */
    public double driverSeconds;

    /** Executor: fetching and deserialising, less an empty job's overhead. */
    public double executorSeconds;

    /** Both, as megabytes per second. */
    public double megabytesPerSecond;

    /** The same process's 2048³ fp32 matmul, GFLOP/s. */
    public double matmulGflops;
  }

  /** One broadcast, read once in the executor. */
  @Benchmark
  @Warmup(iterations = 1)
  public long broadcast(Broadcasts b, Cost cost) {
    long t0 = System.nanoTime();
    Broadcast<Map<String, Tensor>> shipped = b.spark.broadcast(b.weights);
    long t1 = System.nanoTime();
    long values =
        b.spark
            .parallelize(List.of(1), 1)
            .map(x -> shipped.value().values().stream().mapToLong(Tensor::size).sum())
            .collect()
            .get(0);
    long t2 = System.nanoTime();
    shipped.destroy();
    cost.megabytes = b.megabytes;
    cost.driverSeconds = (t1 - t0) / 1e9;
    cost.executorSeconds = Math.max(0, (t2 - t1) / 1e9 - b.emptyJobSeconds);
    cost.megabytesPerSecond = b.megabytes / (cost.driverSeconds + cost.executorSeconds);
    cost.matmulGflops = b.matmulGflops;
    return values;
  }

  private static SparkConf conf(String master, String name) {
    return new SparkConf()
        .setMaster(master)
        .setAppName(name)
        .set("spark.ui.enabled", "false")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1");
  }

  /**
   * A standalone cluster started in this JVM ({@code local-cluster[workers,cores,MB]}), whose
   * executor JVMs run this JVM's class path with its {@code --add-opens} and {@code options}.
   */
  private static SparkConf clusterConf(String master, String name, String options)
      throws java.io.IOException {
    if (System.getenv("SPARK_SCALA_VERSION") == null) {
      throw new IllegalStateException(
          "run with SPARK_SCALA_VERSION=2.12 in the environment: Spark's local-cluster launcher"
              + " needs it");
    }
    // local-cluster starts executors as Spark's own build tests them: from a "Spark home" whose
    // jar folder may be empty, the classes coming from this JVM's class path.
    Path home = Files.createTempDirectory("spark-home");
    Files.createDirectories(home.resolve("assembly/target/scala-2.12/jars"));
    System.setProperty("spark.testing", "true");
    System.setProperty("spark.test.home", home.toString());
    String classPath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(p -> Path.of(p).toAbsolutePath().toString())
            .collect(Collectors.joining(File.pathSeparator));
    String opens =
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> a.startsWith("--add-opens"))
            .collect(Collectors.joining(" "));
    return conf(master, name)
        .set("spark.executor.memory", master.replaceAll(".*,(\\d+)\\]$", "$1") + "m")
        .set("spark.executor.extraClassPath", classPath)
        .set(
            "spark.executor.extraJavaOptions",
            (opens + " -Dai.djl.offline=true " + options).strip());
  }

  // Every weight of the shape, random.
  private static Map<String, Tensor> full(ModelConfig config) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    SplittableRandom random = new SplittableRandom(1);
    ParameterLayout.of(config).forEach((name, shape) -> out.put(name, random(shape, random)));
    return out;
  }

  // A rank-16 adapter on every linear projection, as LoraConfig's default targets it.
  private static Map<String, Tensor> adapter(ModelConfig config) {
    LoraConfig lora = LoraConfig.builder().rank(16).build();
    Map<String, Tensor> out = new LinkedHashMap<>();
    SplittableRandom random = new SplittableRandom(1);
    for (LoraLayout.Module m : LoraLayout.targeted(config, lora.targetModules())) {
      out.put(m.name() + ".lora_A", random(new long[] {16, m.in()}, random));
      out.put(m.name() + ".lora_B", random(new long[] {m.out(), 16}, random));
    }
    return out;
  }

  private static Tensor random(long[] shape, SplittableRandom random) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] data = new float[Math.toIntExact(n)];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (random.nextDouble() - 0.5);
    }
    return new Tensor(shape, data);
  }
}
