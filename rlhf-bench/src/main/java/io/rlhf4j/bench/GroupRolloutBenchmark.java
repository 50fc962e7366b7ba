package io.rlhf4j.bench;

import ai.djl.engine.Engine;
import io.rlhf4j.djl.generate.Generator;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import java.nio.file.Path;
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
 * A GRPO rollout as a group estimator samples it: {@code rows} rows of which each {@code group}
 * share one prompt of {@code promptTokens} tokens, temperature 1, then {@code newTokens} sampled
 * tokens. With {@code group = 8} there are rows / 8 distinct prompts and the generator runs each
 * prompt through the model once, copying its keys and values to the group's rows; {@code group = 1}
 * is the same work with every prompt distinct, so the difference between the two is the prompt work
 * saved. The counters say how much prompt work ran: {@code prefillRows} (prompt rows run through
 * the model) and {@code promptTokensComputed}.
 *
 * <p>{@code stopAtEos = true} lets rows end at the model's end of text (BOS for a llama2.c model,
 * where its stories end): finished rows leave the batch once a quarter of it has, and {@code
 * compactions} counts how often they did. With {@code false} every row runs all {@code newTokens}
 * steps, fixed work.
 *
 * <p>The prompt tokens are drawn from a seeded stream over the vocabulary: speed does not depend on
 * which tokens they are.
 *
 * <p>Run: {@code java -jar rlhf-bench/target/benchmarks.jar GroupRollout} ({@code -p model=DIR} for
 * any llama2.c folder, e.g. a random checkpoint at stories110M's shape).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgsAppend = "-Dai.djl.offline=true")
public class GroupRolloutBenchmark {
  /** Where ../shared is. */
  @Param("../shared")
  public String shared;

  /** A llama2.c model folder, relative to {@link #shared} or absolute. */
  @Param("models/stories260K")
  public String model;

  /** Rows sampled together. */
  @Param("64")
  public int rows;

  /** Rows per distinct prompt: 8 as GRPO samples, 1 for every prompt distinct. */
  @Param({"8", "1"})
  public int group;

  /** Tokens per prompt, BOS included. */
  @Param("64")
  public int promptTokens;

  /** Tokens sampled per row (at most; fewer where a row stops). */
  @Param("128")
  public int newTokens;

  /** Whether rows end at the model's end of text. */
  @Param("false")
  public boolean stopAtEos;

  private PretrainedModel loaded;
  private Generator generator;
  private List<int[]> prompts;
  private int seed;

  /** What one rollout did. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Work {
    /** Prompt rows run through the model before decoding. */
    public double prefillRows;

    /** Prompt tokens run through the model: prefill rows × prompt length. */
    public double promptTokensComputed;

    /** Tokens sampled, over all rows. */
    public double sampledTokens;

    /** Sampled tokens per second of the whole rollout (prompt work included). */
    public double tokensPerSecond;

    /** Times finished rows left the batch. */
    public double compactions;
  }

  /** Loads the model and draws the prompts. */
  @Setup(Level.Trial)
  public void setUp() {
    if (rows % group != 0) {
      throw new IllegalArgumentException("rows (" + rows + ") must be a multiple of group");
    }
    loaded =
        PretrainedModel.load(Path.of(shared).resolve(model), Engine.getInstance().defaultDevice());
    int bos = loaded.tokenizer().bosId().orElse(1);
    generator =
        new Generator(loaded.model(), stopAtEos ? loaded.tokenizer().stopIds() : new int[0]);
    int vocab = loaded.model().config().vocabSize();
    SplittableRandom random = new SplittableRandom(7);
    prompts = new ArrayList<>(rows);
    for (int p = 0; p < rows / group; p++) {
      int[] prompt = new int[promptTokens];
      prompt[0] = bos;
      for (int i = 1; i < promptTokens; i++) {
        prompt[i] = 3 + random.nextInt(vocab - 3); // past the special ids of a llama2.c vocabulary
      }
      for (int g = 0; g < group; g++) {
        prompts.add(prompt);
      }
    }
  }

  /** Frees the model. */
  @TearDown(Level.Trial)
  public void tearDown() {
    loaded.close();
  }

  /** One rollout of every row. */
  @Benchmark
  public List<Generation> rollout(Work work) {
    int compactionsBefore = generator.compactions();
    long t0 = System.nanoTime();
    List<Generation> out =
        generator.generate(
            prompts,
            SamplingConfig.builder().temperature(1.0).maxNewTokens(newTokens).seed(seed++).build());
    double seconds = (System.nanoTime() - t0) / 1e9;
    long sampled = out.stream().mapToLong(g -> g.response().length).sum();
    work.prefillRows = generator.lastPrefillRows();
    work.promptTokensComputed = (double) generator.lastPrefillRows() * promptTokens;
    work.sampledTokens = sampled;
    work.tokensPerSecond = sampled / seconds;
    work.compactions = generator.compactions() - compactionsBefore;
    return out;
  }
}
