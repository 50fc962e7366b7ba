package io.rlhf4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.Labeler;
import io.rlhf4j.data.PreferenceDataset;
import io.rlhf4j.djl.CheerfulRater;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.reward.RewardConfig;
import io.rlhf4j.djl.train.sft.SftConfig;
import io.rlhf4j.generate.SamplingConfig;
import io.rlhf4j.train.MetricsListener;
import io.rlhf4j.train.StepMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fluent pipeline end to end on stories260K, with two rounds and a resumed PPO stage. */
class RlhfTest {
  @TempDir Path out;

  private static List<Demonstration> demonstrations() {
    List<Demonstration> demos = new ArrayList<>();
    for (String start : CheerfulRater.STARTS) {
      demos.add(new Demonstration(start, " was happy. They played with a friend and had fun."));
      demos.add(new Demonstration(start, " smiled at the sun. It was a fun day to play."));
    }
    return demos;
  }

  private static Rlhf.Pipeline pipeline(List<MetricsListener> listeners) {
    Labeler labeler = Labeler.byScore(CheerfulRater::score);
    List<String> prompts = List.of(CheerfulRater.STARTS);
    PreferenceDataset comparisons =
        PreferenceDataset.of(
            List.of(
                labeler.rank("Lily", List.of(" was happy and had fun with a friend.", " was sad.")),
                labeler.rank("Tom had a", List.of(" big dog.", " fun day and smiled.")),
                labeler.rank("One day", List.of(" it rained.", " they played and laughed."))));
    return Rlhf.sft(
            TestModels.stories(),
            demonstrations(),
            SftConfig.builder()
                .epochs(1)
                .batchSize(4)
                .maxLength(48)
                .optimizer(AdamWConfig.of(1e-3))
                .build())
        .thenRewardModel(
            comparisons,
            RewardConfig.builder()
                .promptsPerBatch(4)
                .maxLength(48)
                .optimizer(AdamWConfig.of(1e-3))
                .build())
        .thenPpo(
            prompts,
            PpoConfig.builder()
                .rolloutBatchSize(8)
                .miniBatchSize(4)
                .ppoEpochs(2)
                .sampling(SamplingConfig.builder().temperature(0.7).maxNewTokens(16).build())
                .missingEosScore(OptionalDouble.empty())
                .policyOptimizer(AdamWConfig.of(1e-4))
                .valueOptimizer(AdamWConfig.of(1e-4))
                .build(),
            3)
        .rounds(2, labeler, 4)
        .device(Device.cpu())
        .listeners(listeners);
  }

  @Test
  void runsAllStagesAndResumesAnInterruptedPpoStage() throws Exception {
    // First attempt: killed during round 2's second PPO iteration.
    MetricsListener crash =
        new MetricsListener() {
          private int ppoSteps;

          @Override
          public void onStep(StepMetrics m) {
            if (m.stage().endsWith("/ppo") && ++ppoSteps == 5) {
              throw new IllegalStateException("simulated crash");
            }
          }
        };
    assertThatThrownBy(() -> pipeline(List.of(crash)).run(out))
        .hasMessageContaining("simulated crash");
    assertThat(out.resolve("round-2/rankings.jsonl")).exists();
    assertThat(out.resolve("round-2/ppo/policy/config.json")).exists();

    // Second attempt: every finished stage is skipped, PPO continues at round 2, iteration 2.
    try (Rlhf.Result result = pipeline(List.of()).run(out)) {
      List<StepMetrics> history = result.history();
      assertThat(history).noneMatch(m -> m.stage().equals("sft") || m.stage().endsWith("reward"));
      assertThat(history).extracting(StepMetrics::step).containsExactly(2L, 3L);
      assertThat(history).allMatch(m -> m.stage().equals("round-2/ppo"));
      assertThat(result.policyFolder().resolve("model.safetensors")).exists();
      try (PretrainedModel saved = PretrainedModel.load(result.policyFolder(), Device.cpu())) {
        assertThat(saved.model().toTensors().get("norm.weight").data())
            .containsExactly(result.policy().toTensors().get("norm.weight").data());
      }
    }
  }
}
