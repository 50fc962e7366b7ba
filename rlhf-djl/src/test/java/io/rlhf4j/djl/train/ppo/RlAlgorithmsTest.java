package io.rlhf4j.djl.train.ppo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.StepMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GRPO, RLOO and REINFORCE++ on the real stories260K against the same programmatic reward as the
 * PPO test, without a value model.
 */
class RlAlgorithmsTest {
  @TempDir Path dir;

  private static final SamplingConfig SAMPLING =
      SamplingConfig.builder().temperature(0.7).maxNewTokens(32).build();

  // 32 episodes per iteration, as the PPO test: 8 prompts × 4 samples, or 32 prompts × 1.
  private static final List<String> ALGORITHMS =
      List.of(
          "grpo",
          "dr_grpo",
          "rloo",
          "reinforce_pp",
          "reinforce_pp_baseline",
          "gspo",
          "dapo",
          "cispo",
          "grpo_tis");

  private static PpoConfig config(String algorithm, long seed) {
    PpoConfig.Builder b =
        switch (algorithm) {
          case "grpo" -> PpoConfig.grpo().rolloutBatchSize(8);
          case "dr_grpo" -> PpoConfig.drGrpo().rolloutBatchSize(8);
          case "rloo" -> PpoConfig.rloo().rolloutBatchSize(8);
          case "gspo" -> PpoConfig.gspo().rolloutBatchSize(8);
          case "dapo" -> PpoConfig.dapo().rolloutBatchSize(8);
          case "cispo" -> PpoConfig.cispo().rolloutBatchSize(8);
          case "grpo_tis" -> PpoConfig.grpo().truncatedImportanceSampling(2).rolloutBatchSize(8);
          case "reinforce_pp_baseline" ->
              PpoConfig.reinforcePlusPlus()
                  .estimator("reinforce_baseline")
                  .samplesPerPrompt(4)
                  .rolloutBatchSize(8);
          case "reinforce_pp" -> PpoConfig.reinforcePlusPlus().rolloutBatchSize(32);
          default -> throw new IllegalArgumentException(algorithm);
        };
    return b.miniBatchSize(16)
        .sampling(SAMPLING)
        .policyOptimizer(AdamWConfig.of(2e-4))
        .seed(seed)
        .build();
  }

  private static void run(
      PpoConfig config, TrainingRun run, BiConsumer<DjlPpoTrainer, PretrainedModel> body) {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
        DjlPpoTrainer trainer =
            new DjlPpoTrainer(
                RlModels.builder(
                        pm.model(), DjlPpoTrainerTest.reward(pm.tokenizer()), pm.tokenizer())
                    .build(),
                config,
                List.of(),
                run)) {
      body.accept(trainer, pm);
    }
  }

  private static void raisesFreshRewardBeyondSeedSpread(String estimator) {
    double sft;
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      sft =
          DjlPpoTrainerTest.freshReward(new DjlPolicy(pm.model(), pm.tokenizer()), pm.tokenizer());
    }
    double[] tuned = new double[3];
    for (int seed = 0; seed < 3; seed++) {
      int s = seed;
      TrainingRun run = new TrainingRun(List.of());
      PpoConfig config = config(estimator, seed);
      run(
          config,
          run,
          (trainer, pm) -> {
            for (int i = 0; i < 10; i++) {
              trainer.step(DjlPpoTrainerTest.prompts(pm.tokenizer(), config.rolloutBatchSize()));
            }
            tuned[s] = DjlPpoTrainerTest.freshReward(trainer.policy(), pm.tokenizer());
          });
      StepMetrics last = run.history().get(run.history().size() - 1);
      assertThat(last.stage()).isEqualTo(config.stageName());
      assertThat(last.values()).doesNotContainKeys("value_loss", "explained_variance");
      if (config.samplesPerPrompt() > 1) {
        assertThat(last.values()).containsKeys("score_std_in_group", "flat_group_fraction");
      }
    }
    double min = Math.min(tuned[0], Math.min(tuned[1], tuned[2]));
    double max = Math.max(tuned[0], Math.max(tuned[1], tuned[2]));
    System.err.printf(
        "%s fresh reward: SFT %.3f, seeds %.3f %.3f %.3f%n",
        estimator, sft, tuned[0], tuned[1], tuned[2]);
    assertThat(min - sft).as("gain of the worst seed").isGreaterThan(max - min);
  }

  @Test
  void grpoRaisesFreshRewardBeyondSeedSpread() {
    raisesFreshRewardBeyondSeedSpread("grpo");
  }

  @Test
  void rlooRaisesFreshRewardBeyondSeedSpread() {
    raisesFreshRewardBeyondSeedSpread("rloo");
  }

  @Test
  void reinforcePlusPlusRaisesFreshRewardBeyondSeedSpread() {
    raisesFreshRewardBeyondSeedSpread("reinforce_pp");
  }

  @Test
  void gspoRaisesFreshRewardBeyondSeedSpread() {
    raisesFreshRewardBeyondSeedSpread("gspo");
  }

  @Test
  void dapoRaisesFreshRewardBeyondSeedSpread() {
    raisesFreshRewardBeyondSeedSpread("dapo");
  }

  @Test
  void cispoRaisesFreshRewardBeyondSeedSpread() {
    raisesFreshRewardBeyondSeedSpread("cispo");
  }

  @Test
  void truncatedImportanceSamplingWeighsBySamplerAgainstRecomputedLogProbs() {
    // Here the sampler and the trainer run the same weights in the same precision; only the
    // cached decode and the full forward differ in the order of their float sums. So the weights
    // exp(old − sampler) sit within a hair of 1 and none reaches the cap: what the metrics show
    // is the measured mismatch, and a stale or foreign sampler would show here first.
    PpoConfig config = config("grpo_tis", 5);
    TrainingRun run = new TrainingRun(List.of());
    run(
        config,
        run,
        (trainer, pm) -> {
          Experience e = trainer.rollout(DjlPpoTrainerTest.prompts(pm.tokenizer(), 8));
          double worst = 0;
          for (int b = 0; b < e.size(); b++) {
            for (int t = 0; t < e.mask()[b].length; t++) {
              double gap = e.logProbs().old()[b][t] - e.logProbs().rollout()[b][t];
              worst = Math.max(worst, e.mask()[b][t] * Math.abs(gap));
              if (e.mask()[b][t] == 0) {
                assertThat(e.logProbs().rollout()[b][t]).isZero();
              } else {
                assertThat(e.logProbs().rollout()[b][t]).isNegative();
              }
            }
          }
          System.err.printf("sampler vs recomputed log-probs: max |gap| %.3g nats%n", worst);
          assertThat(worst).isLessThan(1e-3);
          trainer.learn(e);
        });
    StepMetrics m = run.history().get(0);
    assertThat(m.get("tis_weight")).isCloseTo(1.0, Offset.offset(1e-3));
    assertThat(m.get("tis_capped_fraction")).isZero();
  }

  @Test
  void grpoUsesNoValueModel() {
    // It refuses one, trains without one, and checkpoints the policy alone.
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
        CausalLm value = pm.model().withScalarHead(1, Device.cpu())) {
      assertThatThrownBy(
              () ->
                  new DjlPpoTrainer(
                      RlModels.builder(
                              pm.model(), DjlPpoTrainerTest.reward(pm.tokenizer()), pm.tokenizer())
                          .valueModel(value)
                          .build(),
                      config("grpo", 0),
                      List.of(),
                      new TrainingRun(List.of())))
          .hasMessageContaining("the grpo estimator uses no value model");
      assertThatThrownBy(
              () ->
                  new DjlPpoTrainer(
                      RlModels.builder(
                              pm.model(), DjlPpoTrainerTest.reward(pm.tokenizer()), pm.tokenizer())
                          .build(),
                      PpoConfig.builder().build(),
                      List.of(),
                      new TrainingRun(List.of())))
          .hasMessageContaining("the gae estimator needs a value model");
    }
    run(
        config("grpo", 0),
        new TrainingRun(List.of()),
        (trainer, pm) -> {
          trainer.step(DjlPpoTrainerTest.prompts(pm.tokenizer(), 8));
          trainer.save(dir.resolve("grpo"));
        });
    assertThat(dir.resolve("grpo/policy")).isDirectory();
    assertThat(Files.exists(dir.resolve("grpo/value"))).isFalse();
  }

  @Test
  void resumingIsExactForEveryEstimator() {
    // PPO's test covers GAE, value model included.
    for (String estimator : ALGORITHMS) {
      PpoConfig config =
          config(estimator, 3).toBuilder()
              .rolloutBatchSize(estimator.equals("reinforce_pp") ? 8 : 2)
              .miniBatchSize(4)
              .sampling(SAMPLING.toBuilder().maxNewTokens(12).build())
              .build();
      Path checkpoint = dir.resolve(estimator);
      TrainingRun straight = new TrainingRun(List.of());
      run(
          config,
          straight,
          (trainer, pm) -> {
            List<int[]> prompts = DjlPpoTrainerTest.prompts(pm.tokenizer(), 40);
            trainer.train(prompts, 2, checkpoint, 1, 9);
            trainer.train(prompts, 4, dir.resolve(estimator + "-unused"), 10, 9);
          });
      TrainingRun resumed = new TrainingRun(List.of());
      run(
          config,
          resumed,
          (trainer, pm) ->
              trainer.train(DjlPpoTrainerTest.prompts(pm.tokenizer(), 40), 4, checkpoint, 10, 9));
      List<StepMetrics> a = straight.history().subList(2, 4);
      List<StepMetrics> b = resumed.history();
      assertThat(b).hasSize(2);
      for (int i = 0; i < 2; i++) {
        for (String key : a.get(i).values().keySet()) {
          if (!key.endsWith("_seconds")) {
            assertThat(b.get(i).get(key))
                .as("%s step %s %s", estimator, a.get(i).step(), key)
                .isCloseTo(a.get(i).get(key), Offset.offset(1e-5));
          }
        }
      }
    }
  }
}
