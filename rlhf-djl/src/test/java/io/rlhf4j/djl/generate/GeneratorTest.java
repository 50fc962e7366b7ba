package io.rlhf4j.djl.generate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rlhf4j.djl.ReferenceTransformer;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  private static final SamplingConfig GREEDY =
      SamplingConfig.builder().temperature(0).maxNewTokens(64).build();
  private static PretrainedModel stories;

  @BeforeAll
  static void load() {
    stories = PretrainedModel.load(TestModels.stories(), Device.cpu());
  }

  @AfterAll
  static void close() {
    stories.close();
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void greedyFromBosTellsTheKnownStory() throws Exception {
    Generator generator = new Generator(stories.model(), 2);
    int[] bos = {1};
    Generation g =
        generator.generate(List.of(bos), GREEDY.toBuilder().maxNewTokens(200).build()).get(0);
    String text = stories.tokenizer().decode(concat(bos, g.response()));
    assertThat(text)
        .startsWith(
            "Once upon a time, there was a little girl named Lily. She loved to play outside in"
                + " the park. One day, she saw a big, red ball. She wanted to play with it, but it"
                + " was too high.");
    // The independent reference, decoding greedily on its own, picks the same first 48 tokens.
    ReferenceTransformer reference =
        new ReferenceTransformer(
            stories.model().config(), TestModels.storiesOriginalLayout(), true);
    int[] sequence = bos;
    for (int step = 0; step < 48; step++) {
      double[][] logits = reference.logits(sequence);
      double[] last = logits[logits.length - 1];
      int best = 0;
      for (int i = 1; i < last.length; i++) {
        best = last[i] > last[best] ? i : best;
      }
      sequence = concat(sequence, new int[] {best});
    }
    assertThat(Arrays.copyOfRange(g.response(), 0, 48))
        .containsExactly(Arrays.copyOfRange(sequence, 1, 49));
  }

  @Test
  void kvCacheDecodingEqualsFullRecomputation() {
    Generator generator = new Generator(stories.model(), 2);
    List<int[]> prompts =
        List.of(
            stories.tokenizer().encode("Once upon a time", true),
            stories.tokenizer().encode("The cat", true),
            new int[] {1});
    for (SamplingConfig config :
        List.of(
            GREEDY, SamplingConfig.builder().temperature(1.0).maxNewTokens(64).seed(3).build())) {
      List<Generation> cached = generator.generate(prompts, config, true);
      List<Generation> full = generator.generate(prompts, config, false);
      for (int i = 0; i < prompts.size(); i++) {
        assertThat(cached.get(i).response()).containsExactly(full.get(i).response());
        for (int t = 0; t < cached.get(i).logProbs().length; t++) {
          assertThat(cached.get(i).logProbs()[t])
              .isCloseTo(full.get(i).logProbs()[t], org.assertj.core.data.Offset.offset(1e-4f));
        }
      }
    }
  }

  @Test
  void aGroupSharesItsPromptsPrefillAndSamplesWhatUnsharedRowsSample() {
    // GRPO's layout: 2 prompts × 4 samples, rows of a group adjacent, plus one prompt alone.
    int[] a = stories.tokenizer().encode("Once upon a time", true);
    int[] b = stories.tokenizer().encode("The cat sat", true);
    List<int[]> prompts = List.of(a, a, a, a, b, b, b, b, new int[] {1});
    Generator generator = new Generator(stories.model(), 2);
    SamplingConfig config =
        SamplingConfig.builder().temperature(1.0).maxNewTokens(40).seed(5).build();
    List<Generation> shared = generator.generate(prompts, config, true);
    assertThat(generator.lastPrefillRows()).isEqualTo(3); // one per distinct prompt, not 9
    List<Generation> full = generator.generate(prompts, config, false);
    assertThat(generator.lastPrefillRows()).isEqualTo(9);
    for (int i = 0; i < prompts.size(); i++) {
      assertThat(shared.get(i).response()).as("row %s", i).containsExactly(full.get(i).response());
      for (int t = 0; t < shared.get(i).logProbs().length; t++) {
        assertThat(shared.get(i).logProbs()[t])
            .isCloseTo(full.get(i).logProbs()[t], org.assertj.core.data.Offset.offset(1e-4f));
      }
    }
    // The samples of a group differ (each row draws from its own stream).
    assertThat(shared.get(0).response()).isNotEqualTo(shared.get(1).response());
  }

  @Test
  void finishedRowsLeaveTheBatchAndTheOthersSampleWhatTheyWouldHave() {
    // Rows end at their first full stop, at different steps: with the cache, finished rows are
    // dropped from it once a quarter has finished; without it every row is computed to the end.
    int period = stories.tokenizer().encode(".", false)[0];
    Generator generator = new Generator(stories.model(), new int[] {period});
    List<int[]> prompts = Collections.nCopies(12, new int[] {1});
    SamplingConfig config =
        SamplingConfig.builder().temperature(1.0).maxNewTokens(60).seed(9).build();
    int before = generator.compactions();
    List<Generation> compacted = generator.generate(prompts, config, true);
    assertThat(generator.compactions() - before).isGreaterThan(0);
    List<Generation> full = generator.generate(prompts, config, false);
    java.util.Set<Integer> lengths = new java.util.HashSet<>();
    for (int i = 0; i < prompts.size(); i++) {
      assertThat(compacted.get(i).response())
          .as("row %s", i)
          .containsExactly(full.get(i).response());
      assertThat(compacted.get(i).endedWithEos()).isEqualTo(full.get(i).endedWithEos());
      for (int t = 0; t < compacted.get(i).logProbs().length; t++) {
        assertThat(compacted.get(i).logProbs()[t])
            .isCloseTo(full.get(i).logProbs()[t], org.assertj.core.data.Offset.offset(1e-4f));
      }
      lengths.add(compacted.get(i).response().length);
    }
    assertThat(lengths.size()).as("rows finish at different steps").isGreaterThan(3);
  }

  @Test
  void leftPaddedBatchEqualsEachPromptAlone() {
    Generator generator = new Generator(stories.model(), 2);
    List<int[]> prompts =
        List.of(
            stories.tokenizer().encode("Once upon a time, in a big forest, there lived", true),
            new int[] {1},
            stories.tokenizer().encode("Tom and Sue", true));
    List<Generation> batch = generator.generate(prompts, GREEDY);
    for (int i = 0; i < prompts.size(); i++) {
      Generation alone = generator.generate(List.of(prompts.get(i)), GREEDY).get(0);
      assertThat(batch.get(i).response()).as("prompt %s", i).containsExactly(alone.response());
      assertThat(batch.get(i).prompt()).containsExactly(prompts.get(i));
    }
  }

  @Test
  void sampledLogProbsAreThoseThePolicyScores() {
    DjlPolicy policy = new DjlPolicy(stories.model(), stories.tokenizer());
    SamplingConfig config =
        SamplingConfig.builder().temperature(0.7).maxNewTokens(40).seed(11).build();
    List<int[]> prompts = List.of(new int[] {1}, stories.tokenizer().encode("Lily", true));
    List<Generation> gens = policy.generate(prompts, config);
    float[][] scored =
        policy.logProbs(prompts, gens.stream().map(Generation::response).toList(), 0.7);
    for (int i = 0; i < gens.size(); i++) {
      assertThat(scored[i]).hasSameSizeAs(gens.get(i).logProbs());
      for (int t = 0; t < scored[i].length; t++) {
        assertThat(scored[i][t])
            .isCloseTo(gens.get(i).logProbs()[t], org.assertj.core.data.Offset.offset(1e-4f));
      }
    }
  }

  @Test
  void sameSeedSameSamplesOtherSeedOtherSamples() {
    Generator generator = new Generator(stories.model(), 2);
    List<int[]> prompts = Collections.nCopies(4, new int[] {1});
    SamplingConfig config =
        SamplingConfig.builder().temperature(1.0).maxNewTokens(30).seed(5).build();
    List<Generation> a = generator.generate(prompts, config);
    List<Generation> b = generator.generate(prompts, config);
    List<Generation> c = generator.generate(prompts, config.toBuilder().seed(6).build());
    for (int i = 0; i < 4; i++) {
      assertThat(a.get(i).response()).containsExactly(b.get(i).response());
    }
    assertThat(
            IntStream.range(0, 4)
                .anyMatch(i -> !Arrays.equals(a.get(i).response(), c.get(i).response())))
        .isTrue();
    // Rows of one batch draw from different streams.
    assertThat(Arrays.equals(a.get(0).response(), a.get(1).response())).isFalse();
  }

  @Test
  void sampledFrequenciesMatchSoftmaxProbabilities() {
    ModelConfig config = TestModels.tinyLlama();
    Map<String, Tensor> weights =
        TestModels.perturbed(CausalLm.random(config, 21, Device.cpu()).toTensors(), 22);
    int[] prompt = {1, 5, 7};
    double[][] logits = new ReferenceTransformer(config, weights, false).logits(prompt);
    double[] last = logits[logits.length - 1];
    try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
      Generator generator = new Generator(model, -1);
      int n = 4000;
      List<int[]> prompts = Collections.nCopies(n, prompt);
      // Full softmax at temperature 1: chi-square with 10 degrees of freedom.
      double[] p = softmax(last, 1.0, last.length);
      assertThat(chiSquare(counts(generator, prompts, 1.0, 0, 17), p, n))
          .isLessThan(29.59); // the 0.999 quantile of chi-square(10)
      // Temperature 0.5 with top-k 3: only the three most likely tokens, renormalised.
      double[] top3 = softmax(last, 0.5, 3);
      long[] c = counts(generator, prompts, 0.5, 3, 18);
      assertThat(chiSquare(c, top3, n)).isLessThan(13.82); // chi-square(2), 0.999
    }
  }

  private static long[] counts(
      Generator generator, List<int[]> prompts, double temperature, int topK, long seed) {
    SamplingConfig config =
        SamplingConfig.builder()
            .temperature(temperature)
            .topK(topK)
            .maxNewTokens(1)
            .seed(seed)
            .build();
    long[] counts = new long[11];
    for (Generation g : generator.generate(prompts, config)) {
      counts[g.response()[0]]++;
    }
    return counts;
  }

  // Probabilities of softmax(z / T) restricted to the k most likely tokens; 0 for the rest.
  private static double[] softmax(double[] z, double temperature, int k) {
    Integer[] order = IntStream.range(0, z.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, (a, b) -> Double.compare(z[b], z[a]));
    double[] p = new double[z.length];
    double sum = 0;
    for (int r = 0; r < k; r++) {
      p[order[r]] = Math.exp((z[order[r]] - z[order[0]]) / temperature);
      sum += p[order[r]];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  private static double chiSquare(long[] counts, double[] p, int n) {
    double chi = 0;
    for (int i = 0; i < p.length; i++) {
      if (p[i] == 0) {
        assertThat(counts[i]).as("token %s is outside the allowed set", i).isZero();
        continue;
      }
      double expected = n * p[i];
      chi += (counts[i] - expected) * (counts[i] - expected) / expected;
    }
    return chi;
  }

  @Test
  void rowsStopAtEosAndRespectMinNewTokens() {
    ModelConfig config = TestModels.tinyLlama();
    try (CausalLm model =
        CausalLm.fromTensors(
            config,
            TestModels.perturbed(CausalLm.random(config, 31, Device.cpu()).toTensors(), 32),
            Device.cpu())) {
      Generator generator = new Generator(model, 2);
      SamplingConfig sampling =
          SamplingConfig.builder()
              .temperature(1.5)
              .maxNewTokens(30)
              .minNewTokens(4)
              .seed(1)
              .build();
      List<Generation> gens =
          generator.generate(Collections.nCopies(64, new int[] {1, 3}), sampling);
      List<Integer> lengths = new ArrayList<>();
      for (Generation g : gens) {
        int[] y = g.response();
        lengths.add(y.length);
        for (int t = 0; t < Math.min(4, y.length); t++) {
          assertThat(y[t]).as("EOS before minNewTokens").isNotEqualTo(2);
        }
        if (g.endedWithEos()) {
          assertThat(y[y.length - 1]).isEqualTo(2);
          assertThat(Arrays.stream(y, 0, y.length - 1).noneMatch(t -> t == 2)).isTrue();
        } else {
          assertThat(y).hasSize(30).doesNotContain(2);
        }
      }
      assertThat(gens.stream().filter(Generation::endedWithEos).count()).isPositive();
      assertThat(lengths.stream().distinct().count()).isGreaterThan(3);
    }
  }
}
