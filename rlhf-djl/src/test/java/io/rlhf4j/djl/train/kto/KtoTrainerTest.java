package io.rlhf4j.djl.train.kto;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rlhf4j.data.LabeledCompletion;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.ExactResume;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainerTest;
import io.rlhf4j.djl.train.reward.RewardTrainerTest;
import io.rlhf4j.train.StepMetrics;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KTO on the real stories260K from the cheerful rater's thumbs: each ranking's best sample marked
 * good and its worst bad (no pairs kept), then the rater's hidden score of fresh samples, as the RL
 * algorithms are tested.
 */
class KtoTrainerTest {
  @TempDir Path dir;

  private static List<LabeledCompletion> data;

  @BeforeAll
  static void thumbs() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      data = LabeledCompletion.fromRankings(RewardTrainerTest.rankings(pm, 120, 1));
    }
  }

  private static KtoConfig config(long seed) {
    return KtoConfig.builder()
        .epochs(2)
        .batchSize(8)
        .maxLength(64)
        .optimizer(AdamWConfig.of(5e-4))
        .seed(seed)
        .build();
  }

  @Test
  void raisesTheHiddenScoreBeyondSeedSpread() {
    double sft;
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      sft =
          DjlPpoTrainerTest.freshReward(new DjlPolicy(pm.model(), pm.tokenizer()), pm.tokenizer());
    }
    double[] tuned = new double[3];
    for (int seed = 0; seed < 3; seed++) {
      TrainingRun run = new TrainingRun(List.of());
      try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
          KtoTrainer kto = new KtoTrainer(pm.model(), null, pm.tokenizer(), config(seed), run)) {
        kto.train(data, null);
        tuned[seed] =
            DjlPpoTrainerTest.freshReward(
                new DjlPolicy(pm.model(), pm.tokenizer()), pm.tokenizer());
      }
      StepMetrics last = run.history().get(run.history().size() - 1);
      assertThat(last.stage()).isEqualTo("kto");
      assertThat(last.values()).containsKeys("loss", "kl", "rewards_chosen", "rewards_rejected");
    }
    double min = Math.min(tuned[0], Math.min(tuned[1], tuned[2]));
    double max = Math.max(tuned[0], Math.max(tuned[1], tuned[2]));
    System.err.printf(
        "KTO fresh reward: SFT %.3f, seeds %.3f %.3f %.3f (%d completions)%n",
        sft, tuned[0], tuned[1], tuned[2], data.size());
    assertThat(min - sft).as("gain of the worst seed").isGreaterThan(max - min);
  }

  @Test
  void resumesExactlyAfterACrash() {
    // 48 completions, 8 per step, 1 epoch: 6 steps, a checkpoint every 2, a crash after step 3.
    List<LabeledCompletion> few = data.subList(0, 48);
    KtoConfig config =
        KtoConfig.builder()
            .epochs(1)
            .batchSize(8)
            .maxLength(64)
            .optimizer(AdamWConfig.of(5e-4))
            .checkpointEverySteps(2)
            .seed(7)
            .build();
    ExactResume.Histories h =
        ExactResume.afterCrash(
            (run, checkpoints) -> {
              try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
                  KtoTrainer kto = new KtoTrainer(pm.model(), null, pm.tokenizer(), config, run)) {
                kto.train(few, checkpoints);
              }
            },
            dir,
            3);
    assertThat(h.resumed()).hasSize(4);
    assertThat(h.resumed().get(0).step()).isEqualTo(3);
    ExactResume.assertResumedExactly(h, 1e-5);
  }
}
