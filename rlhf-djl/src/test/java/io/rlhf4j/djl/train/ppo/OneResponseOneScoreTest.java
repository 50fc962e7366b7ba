package io.rlhf4j.djl.train.ppo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.Labeler;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.reward.RewardConfig;
import io.rlhf4j.djl.train.reward.RewardTrainer;
import io.rlhf4j.djl.train.sft.SftConfig;
import io.rlhf4j.djl.train.sft.SftTrainer;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.Examples;
import io.rlhf4j.train.reward.RankingLoss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A sampled response gets one score, whichever way it reaches the reward model: as a ranked
 * response in reward training (text, with EOS unless it was cut off) or as a PPO rollout (the ids
 * the policy sampled). Checked on samples that ended and samples cut off at the length cap.
 */
class OneResponseOneScoreTest {
  private static final String[] NAMES = {"Lily", "Tom", "Sue", "Ben", "Mia", "Max", "Anna", "Sam"};
  private static final String[] THINGS = {"ball", "cat", "kite", "doll", "dog", "car", "hat"};
  private static final int K = 4;

  @Test
  void rankingAccuracyIsTheSameThroughTrainingAndThroughPpo() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      // A short SFT on finished two-sentence stories teaches stories260K to stop early, so that a
      // short length cap cuts some samples and lets others end.
      List<Demonstration> demos = new ArrayList<>();
      for (String name : NAMES) {
        for (String thing : THINGS) {
          demos.add(new Demonstration(name + " had a " + thing + ".", " They played. It was fun."));
        }
      }
      new SftTrainer(
              pm.model(),
              pm.tokenizer(),
              SftConfig.builder()
                  .epochs(3)
                  .batchSize(8)
                  .maxLength(48)
                  .optimizer(AdamWConfig.of(3e-3))
                  .build(),
              new TrainingRun(List.of()))
          .train(demos, List.of(), null);
      List<int[]> prompts = new ArrayList<>();
      List<String> promptTexts = new ArrayList<>();
      for (int n = 0; n < NAMES.length; n++) {
        String text = NAMES[n] + " had a " + THINGS[n % THINGS.length] + ".";
        promptTexts.add(text);
        prompts.addAll(Collections.nCopies(K, pm.tokenizer().encode(text, true)));
      }
      DjlPolicy policy = new DjlPolicy(pm.model(), pm.tokenizer());
      // Two of each prompt's K samples with room to finish, two cut off at 7 tokens.
      List<Generation> finished =
          policy.generate(
              prompts, SamplingConfig.builder().temperature(1.0).maxNewTokens(12).seed(4).build());
      List<Generation> cut =
          policy.generate(
              prompts, SamplingConfig.builder().temperature(1.0).maxNewTokens(7).seed(5).build());
      List<Generation> samples = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        samples.add((i % K < K / 2 ? finished : cut).get(i));
      }
      long ended = samples.stream().filter(Generation::endedWithEos).count();
      assertThat(ended).as("samples that ended").isBetween(4L, (long) samples.size() - 4);
      // Rankings as the pipeline records them: text, and whether each response was cut off.
      Labeler byLength = Labeler.byScore((p, r) -> r.length());
      List<Ranking> rankings = new ArrayList<>();
      for (int i = 0; i < NAMES.length; i++) {
        List<String> texts = new ArrayList<>();
        List<Boolean> truncated = new ArrayList<>();
        for (Generation g : samples.subList(i * K, (i + 1) * K)) {
          texts.add(pm.tokenizer().decode(g.response()));
          truncated.add(!g.endedWithEos());
        }
        rankings.add(byLength.rank(promptTexts.get(i), texts).withTruncated(truncated));
      }
      try (CausalLm rewardNet = pm.model().withScalarHead(9, Device.cpu())) {
        DjlRewardModel reward = new DjlRewardModel(rewardNet, 64);
        RewardConfig rc = RewardConfig.builder().maxLength(64).build();
        // The training path: rankings encoded from text.
        RewardTrainer.Evaluation asTrained =
            new RewardTrainer(reward, pm.tokenizer(), rc, new TrainingRun(List.of()))
                .evaluate(rankings);
        // The PPO path: the sampled ids, scored by the trainer's experience maker.
        PpoConfig ppo =
            PpoConfig.builder()
                .rolloutBatchSize(samples.size())
                .miniBatchSize(samples.size())
                .sampling(SamplingConfig.builder().temperature(1.0).maxNewTokens(12).build())
                .build();
        // The worker scores only; its reference (a copy, as the trainer makes) is never read here.
        double[] ppoScores;
        try (CausalLm frozen = policy.model().copy(Device.cpu())) {
          ppoScores =
              new io.rlhf4j.djl.train.rollout.RolloutWorker(
                      io.rlhf4j.djl.train.rollout.RlModels.builder(
                              policy.model(), reward, pm.tokenizer())
                          .reference(frozen)
                          .valueModel(rewardNet)
                          .build(),
                      ppo.rolloutSettings())
                  .score(samples);
        }
        List<double[]> grouped = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
          grouped.add(Arrays.copyOfRange(ppoScores, i * K, (i + 1) * K));
        }
        double asInPpo =
            RankingLoss.accuracy(grouped, rankings.stream().map(Ranking::ranks).toList());
        assertThat(asInPpo).isEqualTo(asTrained.accuracy());
        // And response by response: the ids PPO scores are the ids training encodes.
        for (int i = 0; i < samples.size(); i++) {
          Ranking r = rankings.get(i / K);
          int j = i % K;
          Examples.Example trained =
              Examples.encode(pm.tokenizer(), r.prompt(), r.responses().get(j), r.truncated(j), 64);
          assertThat(Examples.forScoring(pm.tokenizer(), samples.get(i)))
              .as("sample %s", i)
              .containsExactly(trained.response());
          double single = reward.score(List.of(trained.prompt()), List.of(trained.response()))[0];
          assertThat(ppoScores[i]).isCloseTo(single, within(1e-4));
        }
        // The flag matters: a cut-off sample read with EOS (the old training path) scores
        // otherwise, so a pipeline that lost it would fail the checks above.
        int first = 0;
        while (samples.get(first).endedWithEos()) {
          first++;
        }
        Ranking r = rankings.get(first / K);
        Examples.Example withEos =
            Examples.encode(pm.tokenizer(), r.prompt(), r.responses().get(first % K), false, 64);
        double wrong = reward.score(List.of(withEos.prompt()), List.of(withEos.response()))[0];
        assertThat(Math.abs(wrong - ppoScores[first])).isGreaterThan(1e-3);
      }
    }
  }
}
