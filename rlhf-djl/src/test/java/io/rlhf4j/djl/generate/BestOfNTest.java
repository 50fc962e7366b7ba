package io.rlhf4j.djl.generate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.djl.CheerfulRater;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.generate.BestOfN;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.SamplingConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BestOfNTest {
  @Test
  void bestOfEightBeatsBestOfOneUnderTheSameRewardModel() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      DjlPolicy policy = new DjlPolicy(pm.model(), pm.tokenizer());
      RewardModel cheer =
          (prompts, responses) ->
              responses.stream()
                  .mapToDouble(r -> CheerfulRater.score("", pm.tokenizer().decode(r)))
                  .toArray();
      List<int[]> prompts = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        prompts.add(pm.tokenizer().encode(CheerfulRater.STARTS[i % 6], true));
      }
      SamplingConfig sampling =
          SamplingConfig.builder().temperature(1.0).maxNewTokens(32).seed(4).build();
      double one = mean(new BestOfN(policy, cheer, 1).choose(prompts, sampling));
      List<BestOfN.Choice> eight = new BestOfN(policy, cheer, 8).choose(prompts, sampling);
      assertThat(mean(eight)).isGreaterThan(one + 0.5);
      for (BestOfN.Choice c : eight) {
        assertThat(c.candidateScores()).hasSize(8);
        assertThat(c.score()).isEqualTo(Arrays.stream(c.candidateScores()).max().orElseThrow());
      }
      // As a data source: rejection-sampled demonstrations for SFT.
      List<Demonstration> demos =
          new BestOfN(policy, cheer, 4)
              .demonstrations(List.of("Lily", "Tom had a"), pm.tokenizer(), sampling);
      assertThat(demos).hasSize(2);
      assertThat(demos.get(0).prompt()).isEqualTo("Lily");
    }
  }

  private static double mean(List<BestOfN.Choice> choices) {
    return choices.stream().mapToDouble(BestOfN.Choice::score).average().orElseThrow();
  }
}
