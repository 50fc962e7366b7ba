package io.rlhf4j.djl.train.ppo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.internal.train.Seeds;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.Tokenizer;
import io.rlhf4j.train.Masked;
import io.rlhf4j.train.StepMetrics;
import io.rlhf4j.train.ppo.KlEstimator;
import io.rlhf4j.train.ppo.PpoLoss;
import io.rlhf4j.train.rl.RlooEstimator;
import io.rlhf4j.train.rl.ScoreFirstEstimator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** PPO's wiring checked against rlhf-core's reference maths on the trainer's own host arrays. */
class PpoWiringTest {
  private static final int BATCH = 8;

  private static PpoConfig.Builder config() {
    return PpoConfig.builder()
        .rolloutBatchSize(BATCH)
        .miniBatchSize(BATCH)
        .ppoEpochs(1)
        .sampling(SamplingConfig.builder().temperature(0.7).maxNewTokens(16).build())
        .klCoefficient(0.1)
        .policyOptimizer(AdamWConfig.of(1e-4))
        .valueOptimizer(AdamWConfig.of(1e-4))
        .seed(13);
  }

  /** Runs {@code body} with a trainer on stories260K (value head seed 5, a rule as reward). */
  private static void withTrainer(
      PpoConfig config, List<int[]> pretraining, BiConsumer<DjlPpoTrainer, Tokenizer> body) {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
        CausalLm value = pm.model().withScalarHead(5, Device.cpu());
        DjlPpoTrainer ppo =
            new DjlPpoTrainer(
                RlModels.builder(
                        pm.model(), DjlPpoTrainerTest.reward(pm.tokenizer()), pm.tokenizer())
                    .valueModel(value)
                    .build(),
                config,
                pretraining,
                new TrainingRun(List.of()))) {
      body.accept(ppo, pm.tokenizer());
    }
  }

  @Test
  void firstMinibatchMatchesTheReferenceLossesOnTheRolloutsOwnArrays() {
    withTrainer(
        config().build(),
        List.of(),
        (ppo, tokenizer) -> {
          Experience e = ppo.rollout(DjlPpoTrainerTest.prompts(tokenizer, BATCH));
          StepMetrics m = ppo.learn(e);
          // One epoch, one minibatch of the whole rollout: the ratio is exactly 1 there, so the
          // surrogate is −mean(A), nothing is clipped, and the value loss is at V_old.
          double[][] mask = e.mask();
          assertThat(m.get("policy_loss"))
              .isCloseTo(-Masked.mean(e.targets().advantages(), mask), within(1e-5))
              .isCloseTo(
                  PpoLoss.policyLoss(
                      e.logProbs().old(), e.logProbs().old(), e.targets().advantages(), mask, 0.2),
                  within(1e-5));
          assertThat(m.get("value_loss"))
              .isCloseTo(
                  PpoLoss.valueLoss(e.values(), e.values(), e.targets().returns(), mask, 0.2),
                  within(1e-5));
          assertThat(m.get("approx_kl")).isCloseTo(0, within(1e-6));
          assertThat(m.get("clip_fraction")).isZero();
          assertThat(m.get("value_clip_fraction")).isZero();
          // The rewards PPO maximises: Σ_t R_t = score − β·Σ_t (log π − log π_ref), row by row.
          double meanTotal = 0;
          double meanKl = 0;
          for (int b = 0; b < e.size(); b++) {
            double total = 0;
            double kl = 0;
            for (int t = 0; t < mask[b].length; t++) {
              total += mask[b][t] * e.targets().rewards()[b][t];
              kl += mask[b][t] * (e.logProbs().old()[b][t] - e.logProbs().reference()[b][t]);
            }
            assertThat(total).isCloseTo(e.episodes().scores()[b] - 0.1 * kl, within(1e-9));
            meanTotal += total / e.size();
            meanKl += kl / e.size();
          }
          assertThat(m.get("reward")).isCloseTo(meanTotal, within(1e-9));
          assertThat(m.get("kl")).isCloseTo(meanKl, within(1e-9));
          assertThat(m.get("score"))
              .isCloseTo(
                  Arrays.stream(e.episodes().scores()).average().orElseThrow(), within(1e-12));
          assertThat(m.get("beta")).isEqualTo(0.1);
        });
  }

  @Test
  void theControllerIsFedK1WhateverPenaltyEstimatorIsChosen() {
    double target = 3;
    double horizon = 64;
    withTrainer(
        config().klEstimator(KlEstimator.K3).adaptiveKl(target, horizon).build(),
        List.of(),
        (ppo, tokenizer) -> {
          Experience e = ppo.rollout(DjlPpoTrainerTest.prompts(tokenizer, BATCH));
          StepMetrics m = ppo.learn(e);
          double k1 = 0;
          double k3 = 0;
          for (int b = 0; b < e.size(); b++) {
            for (int t = 0; t < e.mask()[b].length; t++) {
              double logR = e.logProbs().reference()[b][t] - e.logProbs().old()[b][t];
              k1 += e.mask()[b][t] * -logR / e.size();
              k3 += e.mask()[b][t] * (Math.expm1(logR) - logR) / e.size();
            }
          }
          assertThat(m.get("kl")).isCloseTo(k1, within(1e-9));
          assertThat(m.get("kl_k3")).isCloseTo(k3, within(1e-9));
          // Ziegler's update by hand, from the k1 KL (nats: the target's units).
          double error = Math.max(-0.2, Math.min(0.2, k1 / target - 1));
          assertThat(ppo.beta()).isCloseTo(0.1 * (1 + error * BATCH / horizon), within(1e-12));
        });
  }

  @Test
  void eachPtxUpdateSeesItsOwnPretrainingBatch() {
    List<int[]> pretraining = new ArrayList<>();
    withTrainer(
        config().build(),
        List.of(),
        (ppo, tokenizer) -> {
          String[] texts = {
            "Once upon a time there was a dog.", "Tom liked to run.", "The sun was hot.",
            "Sue had a red hat and a blue cup.", "Ben saw a big fish in the pond.", "It rained.",
            "Mia and Max played in the park all day long.", "The cat slept.", "Anna laughed."
          };
          for (String t : texts) {
            pretraining.add(tokenizer.encode(t, true));
          }
        });
    // Two epochs of two minibatches: four updates, each with a fresh batch of four sequences.
    // The learning rate is negligible, so every update's NLL is the initial model's.
    PpoConfig config =
        config()
            .miniBatchSize(BATCH / 2)
            .ppoEpochs(2)
            .ptxCoefficient(1)
            .policyOptimizer(AdamWConfig.of(1e-12))
            .build();
    withTrainer(
        config,
        pretraining,
        (ppo, tokenizer) -> {
          StepMetrics m = ppo.step(DjlPpoTrainerTest.prompts(tokenizer, BATCH));
          PretrainingBatches drawn =
              new PretrainingBatches(pretraining, Seeds.derive(13, 1, PpoUpdate.PTX));
          DjlPolicy policy = (DjlPolicy) ppo.policy();
          double[] nll = new double[4];
          for (int u = 0; u < 4; u++) {
            List<int[]> batch = drawn.next(BATCH / 2);
            List<int[]> firsts = batch.stream().map(s -> Arrays.copyOf(s, 1)).toList();
            List<int[]> rests =
                batch.stream().map(s -> Arrays.copyOfRange(s, 1, s.length)).toList();
            double sum = 0;
            int tokens = 0;
            for (float[] row : policy.logProbs(firsts, rests, 1.0)) {
              for (float v : row) {
                sum -= v;
                tokens++;
              }
            }
            nll[u] = sum / tokens;
          }
          assertThat(Arrays.stream(nll).distinct().count()).isGreaterThan(1);
          assertThat(m.get("ptx_loss"))
              .isCloseTo(Arrays.stream(nll).average().orElseThrow(), within(1e-4));
        });
  }

  @Test
  void aPretrainingSequencePastTheContextIsRefused() {
    int[] tooLong = new int[513];
    tooLong[0] = 1;
    assertThatThrownBy(
            () ->
                withTrainer(
                    config().ptxCoefficient(1).build(),
                    List.of(new int[] {1, 5}, tooLong),
                    (ppo, tokenizer) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pretraining sequence 1 has 513 tokens")
        .hasMessageContaining("2 to 512 (the model's context)");
  }

  @Test
  void pretrainingBatchesAreAStreamPerSeed() {
    List<int[]> corpus = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      corpus.add(new int[] {1, 100 + i});
    }
    PretrainingBatches a = new PretrainingBatches(corpus, 7);
    PretrainingBatches b = new PretrainingBatches(corpus, 7);
    List<int[]> first = a.next(5);
    List<int[]> second = a.next(5);
    assertThat(first).isNotEqualTo(second);
    assertThat(b.next(5)).isEqualTo(first);
    assertThat(b.next(5)).isEqualTo(second);
  }

  @Test
  void truncatedSamplingIsRefusedForPpo() {
    SamplingConfig.Builder sampling = SamplingConfig.builder().temperature(0.7);
    assertThatThrownBy(() -> config().sampling(sampling.topK(40).build()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("topK must be 0 (got 40)");
    assertThatThrownBy(() -> config().sampling(sampling.topK(0).topP(0.9).build()).build())
        .hasMessageContaining("topP must be 1 (got 0.9)");
    assertThatThrownBy(() -> config().sampling(sampling.topP(1).minNewTokens(4).build()).build())
        .hasMessageContaining("minNewTokens must be 0 (got 4)");
  }

  @Test
  void k1AsAKlLossTermIsRefusedSinceItsExpectedGradientIsZero() {
    assertThatThrownBy(() -> PpoConfig.grpo().klLoss(0.04, KlEstimator.K1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zero expected gradient");
    // k1 in the reward (InstructGPT's), k3 or k2 as the loss term, or no loss term, are fine.
    assertThat(PpoConfig.grpo().klLoss(0.04, KlEstimator.K2).build().klLossEstimator())
        .isEqualTo(KlEstimator.K2);
    assertThat(PpoConfig.grpo().klLoss(0, KlEstimator.K1).build().klLossCoefficient()).isZero();
  }

  @Test
  void openRlhfsOrderWrapsTheGroupEstimatorsAndIsRefusedWhereTheKlIsAlreadyPerToken() {
    assertThat(PpoConfig.rloo().baselineScoresFirst(true).build().advantageEstimator())
        .isInstanceOfSatisfying(
            ScoreFirstEstimator.class,
            e -> assertThat(e.inner()).isInstanceOf(RlooEstimator.class));
    assertThat(PpoConfig.rloo().build().advantageEstimator()).isInstanceOf(RlooEstimator.class);
    assertThatThrownBy(() -> PpoConfig.builder().baselineScoresFirst(true).build())
        .hasMessageContaining("gae already adds the KL per token");
    assertThatThrownBy(() -> PpoConfig.reinforcePlusPlus().baselineScoresFirst(true).build())
        .hasMessageContaining("reinforce_pp already adds the KL per token");
  }

  @Test
  void aMissingEosScoreThatSilencesTheRewardIsReportedLoudly() {
    assertThat(PpoConfig.builder().build().missingEosScore()).isEmpty();
    // stories260K never ends a story within 16 tokens: every score would be the fixed -1.
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      withTrainer(
          config().missingEosScore(OptionalDouble.of(-1)).build(),
          List.of(),
          (ppo, tokenizer) -> {
            StepMetrics m = ppo.step(DjlPpoTrainerTest.prompts(tokenizer, BATCH));
            assertThat(m.get("eos_fraction")).isZero();
            assertThat(m.get("missing_eos_replaced")).isEqualTo(1.0);
            assertThat(m.get("score")).isEqualTo(-1.0);
          });
    } finally {
      System.setErr(saved);
    }
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("none of the 8 responses emitted EOS within maxNewTokens = 16")
        .contains("the reward carries no signal");
  }
}
