package io.rlhf4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rlhf4j.api.Rlhf;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.Labeler;
import io.rlhf4j.data.PreferenceDataset;
import io.rlhf4j.djl.model.LoraConfig;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.reward.RewardConfig;
import io.rlhf4j.djl.train.sft.SftConfig;
import io.rlhf4j.model.SamplingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline with LoRA (SFT merged into the base; policy, value and reward model adapters
 * on it, the last two with heads; the reward normalised) and its RL rollouts on Spark, against the
 * same pipeline in one process: the saved policy and its adapter are byte-identical.
 */
class PipelineOnSparkTest {
  @TempDir Path dir;

  private static Rlhf.Pipeline pipeline() {
    Labeler longer = Labeler.byScore((prompt, response) -> response.length());
    PreferenceDataset preferences =
        PreferenceDataset.of(
            List.of(
                longer.rank("Lily", List.of(" was happy and had fun with a friend.", " was sad.")),
                longer.rank("Tom had a", List.of(" big dog.", " fun day and smiled a lot."))));
    List<Demonstration> demonstrations =
        List.of(
            new Demonstration("Lily", " played in the park with her friend."),
            new Demonstration("Tom had a", " red ball and he was happy."),
            new Demonstration("One day", " the sun was warm and the birds sang."),
            new Demonstration("The cat", " sat on the mat and smiled."));
    return Rlhf.sft(
            Fixtures.stories(),
            demonstrations,
            SftConfig.builder()
                .epochs(1)
                .batchSize(2)
                .maxLength(48)
                .optimizer(AdamWConfig.of(1e-3))
                .build())
        .lora(LoraConfig.builder().rank(4).alpha(8).build())
        .thenRewardModel(
            preferences,
            RewardConfig.builder()
                .promptsPerBatch(2)
                .maxLength(48)
                .optimizer(AdamWConfig.of(1e-3))
                .build())
        .thenPpo(
            List.of("Once upon a time", "Lily", "Tom had a", "The cat"),
            PpoConfig.builder()
                .rolloutBatchSize(4)
                .rolloutPartitions(2)
                .miniBatchSize(2)
                .ppoEpochs(1)
                .sampling(SamplingConfig.builder().temperature(1.0).maxNewTokens(16).build())
                .policyOptimizer(AdamWConfig.of(1e-3))
                .valueOptimizer(AdamWConfig.of(1e-3))
                .build(),
            2)
        .heldOutFraction(0)
        .device(Device.cpu());
  }

  @Test
  void aLoraPipelineWithItsRolloutsOnSparkSavesTheOneProcessPolicy() throws Exception {
    Path here = dir.resolve("one-process");
    pipeline().run(here).close();
    Path there = dir.resolve("spark");
    try (JavaSparkContext spark =
            new JavaSparkContext(Fixtures.conf("local[2]", "rlhf4j-pipeline-test"));
        SparkRollouts rollouts = new SparkRollouts(spark)) {
      pipeline().rolloutsOn(rollouts).run(there).close();
    }
    for (String file :
        List.of("policy/model.safetensors", "policy-adapter/adapter_model.safetensors")) {
      assertThat(Files.readAllBytes(there.resolve(file)))
          .as(file)
          .isEqualTo(Files.readAllBytes(here.resolve(file)));
    }
    assertThat(Files.readString(there.resolve(Rlhf.HISTORY))).contains("broadcast_mb");
  }
}
