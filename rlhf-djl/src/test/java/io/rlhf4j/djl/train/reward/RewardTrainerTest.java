package io.rlhf4j.djl.train.reward;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rlhf4j.data.Labeler;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.djl.CheerfulRater;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

public class RewardTrainerTest {
  /** K = 4 samples of stories260K per prompt, ranked by the rater. */
  public static List<Ranking> rankings(PretrainedModel pm, int prompts, long seed) {
    DjlPolicy policy = new DjlPolicy(pm.model(), pm.tokenizer());
    Labeler labeler = Labeler.byScore(CheerfulRater::score);
    List<int[]> batch = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < prompts; i++) {
      String text = CheerfulRater.STARTS[i % CheerfulRater.STARTS.length];
      texts.add(text);
      batch.addAll(Collections.nCopies(4, pm.tokenizer().encode(text, true)));
    }
    List<Generation> gens =
        policy.generate(
            batch, SamplingConfig.builder().temperature(1.0).maxNewTokens(40).seed(seed).build());
    List<Ranking> out = new ArrayList<>();
    for (int i = 0; i < prompts; i++) {
      List<String> responses = new ArrayList<>();
      for (int k = 0; k < 4; k++) {
        responses.add(pm.tokenizer().decode(gens.get(4 * i + k).response()));
      }
      out.add(labeler.rank(texts.get(i), responses));
    }
    return out;
  }

  @Test
  void learnsTheRatersTasteFromRankingsWellAboveChance() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      List<Ranking> train = rankings(pm, 160, 1);
      List<Ranking> heldOut = rankings(pm, 48, 2);
      try (CausalLm rm = pm.model().withScalarHead(7, Device.cpu())) {
        DjlRewardModel reward = new DjlRewardModel(rm, 64);
        RewardConfig config =
            RewardConfig.builder()
                .epochs(2)
                .promptsPerBatch(8)
                .maxLength(64)
                .optimizer(AdamWConfig.of(1e-3))
                .build();
        RewardTrainer trainer =
            new RewardTrainer(reward, pm.tokenizer(), config, new TrainingRun(List.of()));
        RewardTrainer.Evaluation before = trainer.evaluate(heldOut);
        RewardTrainer.Evaluation after = trainer.train(train, heldOut, null);
        // A loss with the wrong sign ends below 0.5; one that ignores the data stays near 0.5.
        assertThat(after.accuracy()).isGreaterThan(0.85); // measured: 0.60 before, 0.97 after
        assertThat(after.accuracy()).isGreaterThan(before.accuracy() + 0.1);
        assertThat(after.margin()).isPositive();
        assertThat(after.loss()).isLessThan(before.loss());
        // Normalising on reference responses centres their scores at 0.
        List<int[]> prompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        for (Ranking r : heldOut) {
          prompts.add(pm.tokenizer().encode(r.prompt(), true));
          responses.add(pm.tokenizer().encode(r.responses().get(0), false));
        }
        reward.normalize(prompts, responses);
        double mean = Arrays.stream(reward.score(prompts, responses)).average().orElseThrow();
        assertThat(mean).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-4));
      }
    }
  }
}
