package io.rlhf4j.djl.train.dpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.rlhf4j.data.EpisodeDemonstration.Turn;
import io.rlhf4j.data.EpisodeRanking;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.internal.train.EncodedRanking;
import io.rlhf4j.djl.internal.train.ResponseLogProbs;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DPO on ranked episodes: each episode's log-probability is its policy turns' alone (the tool's
 * answer is context), checked against per-token log-probabilities summed by hand; training on such
 * rankings moves the implicit rewards the right way.
 */
class DpoEpisodesTest {
  private static final String[] NAMES = {"Lily", "Tom", "Ben", "Mia", "Sam", "Anna", "Max", "Lucy"};

  // Chosen: the episode that called the tool and used its answer; rejected: one that guessed.
  private static List<EpisodeRanking> rankings() {
    List<EpisodeRanking> out = new ArrayList<>();
    for (String name : NAMES) {
      out.add(
          new EpisodeRanking(
              name + " had a secret pet.",
              List.of(
                  List.of(
                      new Turn("<call>secret</call>", true),
                      new Turn(" <result>cat</result> ", false),
                      new Turn(" The pet was a cat.", true)),
                  List.of(new Turn(" The pet was a frog.", true))),
              List.of(1, 2)));
    }
    return out;
  }

  @Test
  void episodeLogProbsCoverThePolicysTurnsOnly() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      List<EncodedRanking> encoded = EncodedRanking.encodeEpisodes(pm.tokenizer(), rankings(), 256);
      List<int[]> prompts = EncodedRanking.allPrompts(encoded);
      List<int[]> responses = EncodedRanking.allResponses(encoded);
      List<double[]> trained = EncodedRanking.allTrained(encoded);
      double[] masked = ResponseLogProbs.of(pm.model(), prompts, responses, trained, false);
      double[] whole = ResponseLogProbs.of(pm.model(), prompts, responses, false);
      float[][] perToken =
          new DjlPolicy(pm.model(), pm.tokenizer()).logProbs(prompts, responses, 1.0);
      int withTool = 0;
      for (int i = 0; i < responses.size(); i++) {
        double byHand = 0;
        int context = 0;
        for (int t = 0; t < responses.get(i).length; t++) {
          byHand += trained.get(i)[t] * perToken[i][t];
          context += trained.get(i)[t] == 0 ? 1 : 0;
        }
        assertThat(masked[i]).isCloseTo(byHand, within(1e-3));
        if (context > 0) {
          withTool++;
          // The tool's answer would have counted: leaving it out changes the number.
          assertThat(Math.abs(whole[i] - masked[i])).isGreaterThan(0.1);
        }
      }
      assertThat(withTool).isEqualTo(NAMES.length);
    }
  }

  @Test
  void dpoOnRankedEpisodesPrefersTheEpisodeThatUsedTheTool() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
        DpoTrainer dpo =
            new DpoTrainer(
                pm.model(),
                null,
                pm.tokenizer(),
                DpoConfig.builder()
                    .beta(0.1)
                    .epochs(4)
                    .batchSize(4)
                    .maxLength(128)
                    .optimizer(AdamWConfig.of(3e-3))
                    .seed(2)
                    .build(),
                new TrainingRun(List.of()))) {
      DpoTrainer.Evaluation before = dpo.evaluateEpisodes(rankings());
      dpo.trainEpisodes(rankings(), List.of(), null);
      DpoTrainer.Evaluation after = dpo.evaluateEpisodes(rankings());
      System.err.printf(
          "DPO on episodes: margin %.3f -> %.3f, accuracy %.2f -> %.2f%n",
          before.margin(), after.margin(), before.accuracy(), after.accuracy());
      assertThat(before.margin()).isCloseTo(0, within(1e-6)); // the policy is its reference
      assertThat(after.margin()).isPositive();
      assertThat(after.accuracy()).isEqualTo(1.0);
    }
  }
}
