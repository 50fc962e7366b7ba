package io.rlhf4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rlhf4j.data.LabeledCompletion;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.djl.model.LoraConfig;
import io.rlhf4j.djl.train.dpo.DpoConfig;
import io.rlhf4j.djl.train.dpo.DpoTrainer;
import io.rlhf4j.djl.train.kto.KtoConfig;
import io.rlhf4j.djl.train.kto.KtoTrainer;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainerTest;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.reward.RewardConfig;
import io.rlhf4j.djl.train.reward.RewardTrainer;
import io.rlhf4j.djl.train.reward.RewardTrainerTest;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gradient checkpointing in the reward, DPO, KTO and RL trainers: each stage trained twice on
 * stories260K from the same start, keeping every activation and recomputing each layer in the
 * backward pass, ends with the same weights and logs the same losses, to 1e-4 (the recomputed pass
 * may sum a gradient in another order; here the reward, DPO and KTO runs even agree bit for bit).
 * SFT's twin is in {@code SftTrainerTest}; the gradients themselves are checked layer by layer in
 * {@code GradientCheckpointingTest}.
 */
class GradientCheckpointingTrainersTest {
  private static final float WEIGHTS = 1e-4f;
  private static final double LOSSES = 1e-4;

  private static List<Ranking> rankings;

  @BeforeAll
  static void rank() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      rankings = RewardTrainerTest.rankings(pm, 16, 1);
    }
  }

  /** One stage's run: its logged steps and the trained model's weights. */
  private record Trained(List<StepMetrics> history, Map<String, float[]> weights) {}

  /** Runs {@code stage} with checkpointing off, then on, and compares the two. */
  private static void assertSameTraining(
      java.util.function.Function<Boolean, Trained> stage, String... losses) {
    Trained plain = stage.apply(false);
    Trained recomputed = stage.apply(true);
    assertThat(recomputed.history()).hasSameSizeAs(plain.history()).isNotEmpty();
    for (int i = 0; i < plain.history().size(); i++) {
      for (String loss : losses) {
        assertThat(recomputed.history().get(i).get(loss))
            .as("step %s %s", i, loss)
            .isCloseTo(
                plain.history().get(i).get(loss), org.assertj.core.data.Offset.offset(LOSSES));
      }
    }
    TestModels.assertWeightsClose(recomputed.weights(), plain.weights(), WEIGHTS);
  }

  @Test
  void rewardModelTrainsTheSameWeights() {
    assertSameTraining(
        checkpointing -> {
          TrainingRun run = new TrainingRun(List.of());
          try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
              CausalLm rm = pm.model().withScalarHead(7, Device.cpu())) {
            RewardConfig config =
                RewardConfig.builder()
                    .promptsPerBatch(4)
                    .maxLength(64)
                    .optimizer(AdamWConfig.of(1e-3))
                    .gradientCheckpointing(checkpointing)
                    .build();
            new RewardTrainer(new DjlRewardModel(rm, 64), pm.tokenizer(), config, run)
                .train(rankings, List.of(), null);
            return new Trained(run.history(), TestModels.weights(rm));
          }
        },
        "loss");
  }

  @Test
  void dpoWithRposNllTrainsTheSameWeights() {
    assertSameTraining(
        checkpointing -> {
          TrainingRun run = new TrainingRun(List.of());
          try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
              DpoTrainer dpo =
                  new DpoTrainer(
                      pm.model(),
                      null,
                      pm.tokenizer(),
                      DpoConfig.builder()
                          .sftCoefficient(1.0)
                          .promptsPerBatch(4)
                          .maxLength(64)
                          .optimizer(AdamWConfig.of(5e-4))
                          .gradientCheckpointing(checkpointing)
                          .build(),
                      run)) {
            dpo.train(rankings, List.of(), null);
            return new Trained(run.history(), TestModels.weights(pm.model()));
          }
        },
        "loss",
        "nll");
  }

  @Test
  void ktoTrainsTheSameWeights() {
    List<LabeledCompletion> thumbs = LabeledCompletion.fromRankings(rankings);
    assertSameTraining(
        checkpointing -> {
          TrainingRun run = new TrainingRun(List.of());
          try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
              KtoTrainer kto =
                  new KtoTrainer(
                      pm.model(),
                      null,
                      pm.tokenizer(),
                      KtoConfig.builder()
                          .batchSize(8)
                          .maxLength(64)
                          .optimizer(AdamWConfig.of(5e-4))
                          .gradientCheckpointing(checkpointing)
                          .build(),
                      run)) {
            kto.train(thumbs, null);
            return new Trained(run.history(), TestModels.weights(pm.model()));
          }
        },
        "loss");
  }

  @Test
  void ppoWithValueModelAndPtxTrainsTheSameWeights() {
    // Policy, value model and the pretraining term all take the recomputing pass.
    assertSameTraining(
        checkpointing -> {
          try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
              CausalLm value = pm.model().withScalarHead(5, Device.cpu())) {
            List<int[]> pretraining = new ArrayList<>();
            for (Ranking r : rankings) {
              pretraining.add(pm.tokenizer().encode(r.prompt() + r.responses().get(0), true));
            }
            PpoConfig config =
                PpoConfig.builder()
                    .rolloutBatchSize(8)
                    .miniBatchSize(4)
                    .microBatchSize(2)
                    .ppoEpochs(2)
                    .sampling(SamplingConfig.builder().temperature(0.7).maxNewTokens(16).build())
                    .policyOptimizer(AdamWConfig.of(1e-4))
                    .valueOptimizer(AdamWConfig.of(1e-4))
                    .ptxCoefficient(0.5)
                    .gradientCheckpointing(checkpointing)
                    .seed(13)
                    .build();
            List<StepMetrics> history = new ArrayList<>();
            try (DjlPpoTrainer ppo =
                new DjlPpoTrainer(
                    RlModels.builder(
                            pm.model(), DjlPpoTrainerTest.reward(pm.tokenizer()), pm.tokenizer())
                        .valueModel(value)
                        .build(),
                    config,
                    pretraining,
                    new TrainingRun(List.of()))) {
              for (int i = 0; i < 2; i++) {
                history.add(ppo.learn(ppo.rollout(DjlPpoTrainerTest.prompts(pm.tokenizer(), 8))));
              }
            }
            Map<String, float[]> weights = TestModels.weights(pm.model());
            TestModels.weights(value).forEach((name, w) -> weights.put("value." + name, w));
            return new Trained(history, weights);
          }
        },
        "policy_loss",
        "value_loss",
        "ptx_loss");
  }

  @Test
  void everyStageRefusesCheckpointingWithLoraDropout() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
        CausalLm view =
            pm.model().withLora(LoraConfig.builder().rank(2).alpha(4).dropout(0.1).build());
        CausalLm rm = view.withScalarHead(7, Device.cpu())) {
      TrainingRun run = new TrainingRun(List.of());
      List<Runnable> stages =
          List.of(
              () ->
                  new RewardTrainer(
                      new DjlRewardModel(rm, 64),
                      pm.tokenizer(),
                      RewardConfig.builder().gradientCheckpointing(true).build(),
                      run),
              () ->
                  new DpoTrainer(
                      view,
                      null,
                      pm.tokenizer(),
                      DpoConfig.builder().gradientCheckpointing(true).build(),
                      run),
              () ->
                  new KtoTrainer(
                      view,
                      null,
                      pm.tokenizer(),
                      KtoConfig.builder().gradientCheckpointing(true).build(),
                      run));
      for (Runnable stage : stages) {
        assertThatThrownBy(stage::run)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("set the adapter's dropout to 0");
      }
    }
  }
}
