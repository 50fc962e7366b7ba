package io.rlhf4j.djl.train.ppo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rlhf4j.djl.CheerfulRater;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.Policy;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.Tokenizer;
import io.rlhf4j.train.StepMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PPO on the real stories260K against a programmatic reward model. */
public class DjlPpoTrainerTest {
  @TempDir Path dir;

  private static final int BATCH = 32;
  private static final double KL_TARGET = 4;
  private static final SamplingConfig SAMPLING =
      SamplingConfig.builder().temperature(0.7).maxNewTokens(32).build();

  /** The rater's count of cheerful words, capped at 2 so the optimum is reachable cheaply. */
  public static RewardModel reward(Tokenizer tokenizer) {
    return (prompts, responses) ->
        responses.stream()
            .mapToDouble(r -> Math.min(2, CheerfulRater.score("", tokenizer.decode(r))))
            .toArray();
  }

  static PpoConfig config(long seed) {
    return PpoConfig.builder()
        .rolloutBatchSize(BATCH)
        .miniBatchSize(16)
        .sampling(SAMPLING)
        .klCoefficient(0.2)
        .adaptiveKl(KL_TARGET, BATCH)
        .missingEosScore(OptionalDouble.empty())
        .policyOptimizer(AdamWConfig.of(2e-4))
        .valueOptimizer(AdamWConfig.of(1e-3))
        .seed(seed)
        .build();
  }

  public static List<int[]> prompts(Tokenizer tokenizer, int n) {
    List<int[]> prompts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      prompts.add(tokenizer.encode(CheerfulRater.STARTS[i % CheerfulRater.STARTS.length], true));
    }
    return prompts;
  }

  /** Mean reward of 96 fresh samples (a fixed evaluation seed, unlike any training seed). */
  public static double freshReward(Policy policy, Tokenizer tokenizer) {
    List<int[]> prompts = prompts(tokenizer, 96);
    List<Generation> gens = policy.generate(prompts, SAMPLING.toBuilder().seed(987_654).build());
    double[] r = reward(tokenizer).score(prompts, gens.stream().map(Generation::response).toList());
    return java.util.Arrays.stream(r).average().orElseThrow();
  }

  @Test
  void raisesFreshRewardBeyondSeedSpreadWhileHoldingKl() {
    double sft;
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      sft = freshReward(new DjlPolicy(pm.model(), pm.tokenizer()), pm.tokenizer());
    }
    double[] tuned = new double[3];
    for (int seed = 0; seed < 3; seed++) {
      try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
          CausalLm value = pm.model().withScalarHead(seed, Device.cpu())) {
        TrainingRun run = new TrainingRun(List.of());
        try (DjlPpoTrainer ppo =
            new DjlPpoTrainer(
                RlModels.builder(pm.model(), reward(pm.tokenizer()), pm.tokenizer())
                    .valueModel(value)
                    .build(),
                config(seed),
                List.of(),
                run)) {
          for (int i = 0; i < 10; i++) {
            ppo.step(prompts(pm.tokenizer(), BATCH));
          }
          tuned[seed] = freshReward(ppo.policy(), pm.tokenizer());
        }
        List<StepMetrics> history = run.history();
        // The KL to the reference stays within twice the adaptive target.
        for (StepMetrics m : history) {
          assertThat(m.get("kl")).as("seed %s step %s", seed, m.step()).isLessThan(2 * KL_TARGET);
        }
        StepMetrics last = history.get(history.size() - 1);
        assertThat(last.values())
            .containsKeys(
                "score",
                "kl",
                "beta",
                "approx_kl",
                "clip_fraction",
                "value_clip_fraction",
                "explained_variance",
                "entropy",
                "response_length",
                "eos_fraction",
                "generate_seconds",
                "train_seconds");
        assertThat(last.get("explained_variance"))
            .isGreaterThan(history.get(0).get("explained_variance"));
      }
    }
    double min = Math.min(tuned[0], Math.min(tuned[1], tuned[2]));
    double max = Math.max(tuned[0], Math.max(tuned[1], tuned[2]));
    System.err.printf(
        "PPO fresh reward: SFT %.3f, seeds %.3f %.3f %.3f%n", sft, tuned[0], tuned[1], tuned[2]);
    assertThat(min - sft).as("gain of the worst seed").isGreaterThan(max - min);
  }

  /** A fresh stories260K PPO run (value head seed 5, config seed 7) driven by {@code body}. */
  private static List<StepMetrics> ppoRun(
      java.util.function.BiConsumer<DjlPpoTrainer, List<int[]>> body) {
    return ppoRun(new TrainingRun(List.of()), body);
  }

  private static List<StepMetrics> ppoRun(
      TrainingRun run, java.util.function.BiConsumer<DjlPpoTrainer, List<int[]>> body) {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
        CausalLm value = pm.model().withScalarHead(5, Device.cpu())) {
      try (DjlPpoTrainer ppo =
          new DjlPpoTrainer(
              RlModels.builder(pm.model(), reward(pm.tokenizer()), pm.tokenizer())
                  .valueModel(value)
                  .build(),
              config(7),
              List.of(),
              run)) {
        body.accept(ppo, prompts(pm.tokenizer(), BATCH));
      }
      return run.history();
    }
  }

  @Test
  void microBatchesGiveTheUpdateOfOnePass() {
    // Micro-batches of 3 (ragged: 16 = 5·3 + 1) in scoring and in every update, ptx included, must
    // give what one pass per minibatch gives: the same metrics and the same trained weights.
    List<Map<String, Double>> metrics = new ArrayList<>();
    List<Map<String, io.rlhf4j.djl.tensor.Tensor>> weights = new ArrayList<>();
    Map<String, io.rlhf4j.djl.tensor.Tensor> before = null;
    for (int micro : new int[] {16, 3}) {
      try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
          CausalLm value = pm.model().withScalarHead(5, Device.cpu())) {
        before = pm.model().toTensors();
        List<int[]> pretraining = new ArrayList<>();
        for (int[] p : prompts(pm.tokenizer(), 16)) {
          pretraining.add(pm.tokenizer().encode(pm.tokenizer().decode(p) + " and the cat", true));
        }
        TrainingRun run = new TrainingRun(List.of());
        try (DjlPpoTrainer ppo =
            new DjlPpoTrainer(
                RlModels.builder(pm.model(), reward(pm.tokenizer()), pm.tokenizer())
                    .valueModel(value)
                    .build(),
                config(7).toBuilder().ptxCoefficient(0.5).microBatchSize(micro).build(),
                pretraining,
                run)) {
          ppo.step(prompts(pm.tokenizer(), BATCH));
          weights.add(pm.model().toTensors());
        }
        metrics.add(run.history().get(0).values());
      }
    }
    for (String key : metrics.get(0).keySet()) {
      if (!key.endsWith("_seconds")) {
        assertThat(metrics.get(1).get(key))
            .as(key)
            .isCloseTo(metrics.get(0).get(key), org.assertj.core.data.Offset.offset(1e-5));
      }
    }
    assertThat(metrics.get(0)).containsKey("ptx_loss");
    // Eight AdamW steps at lr 2e-4 move weights by up to 1.6e-3; the two runs agree to 2e-5 (float
    // summation order differs), far below what a mis-weighted micro-batch would change.
    double moved = 0;
    for (String name : weights.get(0).keySet()) {
      float[] a = weights.get(0).get(name).data();
      float[] b = weights.get(1).get(name).data();
      float[] start = before.get(name).data();
      for (int i = 0; i < a.length; i++) {
        assertThat(b[i])
            .as("%s[%s]", name, i)
            .isCloseTo(a[i], org.assertj.core.data.Offset.offset(2e-5f));
        moved = Math.max(moved, Math.abs(a[i] - start[i]));
      }
    }
    assertThat(moved).isGreaterThan(1e-3);
  }

  @Test
  void resumingFromACheckpointContinuesExactly() {
    List<StepMetrics> straight =
        ppoRun(
            (ppo, prompts) -> {
              for (int i = 0; i < 4; i++) {
                ppo.step(prompts);
                if (i == 1) {
                  ppo.save(dir.resolve("ppo"));
                }
              }
            });
    List<StepMetrics> resumed =
        ppoRun(
            (ppo, prompts) -> {
              // As if the process died between the two renames that swap a checkpoint in.
              Path checkpoint = dir.resolve("ppo");
              try {
                java.nio.file.Files.move(checkpoint, dir.resolve("ppo.old"));
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
              assertThat(DjlPpoTrainer.hasCheckpoint(checkpoint)).isTrue();
              ppo.resume(checkpoint);
              assertThat(ppo.iteration()).isEqualTo(2);
              ppo.step(prompts);
              ppo.step(prompts);
            });
    for (int i = 0; i < 2; i++) {
      StepMetrics a = straight.get(2 + i);
      StepMetrics b = resumed.get(i);
      assertThat(b.step()).isEqualTo(a.step());
      for (String key : a.values().keySet()) {
        if (!key.endsWith("_seconds")) {
          assertThat(b.get(key))
              .as("step %s %s", a.step(), key)
              .isCloseTo(a.get(key), org.assertj.core.data.Offset.offset(1e-5));
        }
      }
    }
  }

  @Test
  void trackedTextMetricMatchesTheRewardComputedFromTokens() {
    // The reward model scores token ids; the tracked metric decodes text itself. Same rule, so the
    // two means agree, and a scoped run names the stage.
    List<StepMetrics> history =
        ppoRun(
            new TrainingRun(List.of()).scoped("round-7"),
            (ppo, prompts) -> {
              ppo.track("cheer", (p, response) -> Math.min(2, CheerfulRater.score("", response)));
              ppo.track("chars", (p, response) -> response.length());
              ppo.step(prompts);
              assertThatThrownBy(() -> ppo.track("cheer", (p, r) -> 0))
                  .hasMessageContaining("already tracked");
            });
    StepMetrics m = history.get(0);
    assertThat(m.stage()).isEqualTo("round-7/ppo");
    assertThat(m.get("cheer"))
        .isCloseTo(m.get("score"), org.assertj.core.data.Offset.offset(1e-12));
    assertThat(m.get("chars")).isGreaterThan(m.get("response_length"));
  }

  @Test
  void ptxKeepsThePretrainingLikelihood() {
    double[] nll = new double[2];
    for (int withPtx = 0; withPtx < 2; withPtx++) {
      try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
          CausalLm value = pm.model().withScalarHead(3, Device.cpu())) {
        // Pretraining text: the base model's own greedy stories.
        DjlPolicy base = new DjlPolicy(pm.model(), pm.tokenizer());
        List<int[]> pretraining = new ArrayList<>();
        for (Generation g :
            base.generate(
                prompts(pm.tokenizer(), 12),
                SamplingConfig.builder().temperature(0).maxNewTokens(48).build())) {
          int[] seq = java.util.Arrays.copyOf(g.prompt(), g.prompt().length + g.response().length);
          System.arraycopy(g.response(), 0, seq, g.prompt().length, g.response().length);
          pretraining.add(seq);
        }
        PpoConfig config =
            PpoConfig.builder()
                .rolloutBatchSize(BATCH)
                .miniBatchSize(16)
                .sampling(SAMPLING)
                .klCoefficient(0.01)
                .missingEosScore(OptionalDouble.empty())
                .policyOptimizer(AdamWConfig.of(1e-3))
                .valueOptimizer(AdamWConfig.of(1e-3))
                .ptxCoefficient(withPtx == 1 ? 1.0 : 0.0)
                .seed(11)
                .build();
        TrainingRun run = new TrainingRun(List.of());
        try (DjlPpoTrainer ppo =
            new DjlPpoTrainer(
                RlModels.builder(pm.model(), reward(pm.tokenizer()), pm.tokenizer())
                    .valueModel(value)
                    .build(),
                config,
                pretraining,
                run)) {
          for (int i = 0; i < 4; i++) {
            ppo.step(prompts(pm.tokenizer(), BATCH));
          }
        }
        if (withPtx == 1) {
          assertThat(run.history().get(0).values()).containsKey("ptx_loss");
        }
        List<int[]> firsts = pretraining.stream().map(s -> java.util.Arrays.copyOf(s, 1)).toList();
        List<int[]> rests =
            pretraining.stream().map(s -> java.util.Arrays.copyOfRange(s, 1, s.length)).toList();
        float[][] lp = new DjlPolicy(pm.model(), pm.tokenizer()).logProbs(firsts, rests, 1.0);
        double sum = 0;
        int n = 0;
        for (float[] row : lp) {
          for (float v : row) {
            sum -= v;
            n++;
          }
        }
        nll[withPtx] = sum / n;
      }
    }
    assertThat(nll[1]).as("pretraining NLL with ptx vs without").isLessThan(nll[0]);
  }
}
