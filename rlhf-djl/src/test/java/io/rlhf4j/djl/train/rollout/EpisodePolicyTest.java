package io.rlhf4j.djl.train.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.episode.EnvironmentFactory;
import io.rlhf4j.episode.EpisodeSettings;
import io.rlhf4j.generate.BestOfN;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.TextRewardModel;
import io.rlhf4j.train.Examples;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Best-of-N over whole episodes, and the kept episode as a demonstration. */
class EpisodePolicyTest {
  // The environment answers the first turn with a line, then ends the episode.
  private static final EnvironmentFactory TWO_TURNS = TwoTurns.answering(" The dog said hello. ");

  @Test
  void bestOfNKeepsEachPromptsBestEpisodeAndItBecomesADemonstrationOfTheSameIds() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      EpisodePolicy episodes =
          new EpisodePolicy(
              new DjlPolicy(pm.model(), pm.tokenizer()), new EpisodeSettings(TWO_TURNS, 2, 48));
      // Scores the whole episode's text: how often "the" appears.
      TextRewardModel reward =
          new TextRewardModel(pm.tokenizer(), (p, r) -> r.split("\\bthe\\b", -1).length - 1);
      List<String> prompts = List.of("Once upon a time", "Tom had a red ball");
      List<BestOfN.Choice> best =
          new BestOfN(episodes, reward, 4)
              .choose(
                  prompts.stream().map(p -> pm.tokenizer().encode(p, true)).toList(),
                  SamplingConfig.builder().temperature(1.0).maxNewTokens(16).seed(3).build());
      assertThat(best).hasSize(2);
      int threeTurns = 0;
      for (int i = 0; i < 2; i++) {
        BestOfN.Choice c = best.get(i);
        assertThat(c.score()).isEqualTo(Arrays.stream(c.candidateScores()).max().orElseThrow());
        EpisodeDemonstration demo = episodes.demonstration(prompts.get(i), c.best());
        List<EpisodeDemonstration.Turn> turns = demo.turns();
        assertThat(turns.get(0).policy()).isTrue();
        if (turns.size() == 3) {
          threeTurns++;
          assertThat(turns.get(1).text()).contains("The dog said hello.");
          // Encoded back as episode SFT encodes it, the demonstration is the episode's own ids
          // when every policy turn ended with its stop token.
          if (c.best().endedWithEos()) {
            Examples.Example e = Examples.encode(pm.tokenizer(), demo, 1 << 20);
            assertThat(e.response()).hasSameSizeAs(c.best().response());
          }
        }
      }
      assertThat(threeTurns).as("kept episodes with the environment's turn").isPositive();
    }
  }
}
