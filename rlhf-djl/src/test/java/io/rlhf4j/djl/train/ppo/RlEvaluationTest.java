package io.rlhf4j.djl.train.ppo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.StepMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Held-out evaluation during GRPO on stories260K against the cheerful rater: it tracks the policy,
 * keeps the best one, and survives a resume exactly.
 */
class RlEvaluationTest {
  @TempDir Path dir;

  private static final String[] HELD_OUT = {
    "The little bird", "A girl named Sue", "One sunny day", "The old man", "Two friends"
  };

  private static PpoConfig config() {
    return PpoConfig.grpo()
        .rolloutBatchSize(8)
        .miniBatchSize(16)
        .sampling(SamplingConfig.builder().temperature(0.7).maxNewTokens(32).build())
        .policyOptimizer(AdamWConfig.of(2e-4))
        .seed(1)
        .build();
  }

  private static <T> T withTrainer(Path model, TrainingRun run, Function<DjlPpoTrainer, T> body) {
    try (PretrainedModel pm = PretrainedModel.load(model, Device.cpu());
        DjlPpoTrainer t =
            new DjlPpoTrainer(
                RlModels.builder(
                        pm.model(), DjlPpoTrainerTest.reward(pm.tokenizer()), pm.tokenizer())
                    .build(),
                config(),
                List.of(),
                run)) {
      return body.apply(t.evaluateOn(heldOut(pm)));
    }
  }

  private static RlEvaluation heldOut(PretrainedModel pm) {
    return new RlEvaluation(
        java.util.Arrays.stream(HELD_OUT).map(p -> pm.tokenizer().encode(p, true)).toList(),
        2,
        4,
        1.5);
  }

  @Test
  void evaluationFollowsThePolicyAndTheBestIsKeptAndResumedExactly() throws Exception {
    Path whole = dir.resolve("whole/grpo");
    TrainingRun straight = new TrainingRun(List.of());
    withTrainer(
        TestModels.stories(),
        straight,
        t -> {
          t.train(DjlPpoTrainerTest.prompts(tokenizerOf(t), 40), 8, whole, 1, 9);
          return null;
        });
    List<StepMetrics> evals =
        straight.history().stream().filter(s -> s.values().containsKey("eval_score")).toList();
    assertThat(evals).extracting(StepMetrics::step).containsExactly(2L, 4L, 6L, 8L);
    double best = Double.NEGATIVE_INFINITY;
    for (StepMetrics s : evals) {
      best = Math.max(best, s.get("eval_score"));
      assertThat(s.get("eval_pass@1")).isBetween(0.0, s.get("eval_pass@4"));
    }
    System.err.printf(
        "held-out eval_score: %s%n", evals.stream().map(s -> s.get("eval_score")).toList());
    assertThat(evals.get(3).get("eval_score")).isGreaterThan(evals.get(0).get("eval_score"));

    // The kept policy is the best one: evaluated again from its folder, it scores the best.
    Path bestFolder = RlEvaluation.bestFolder(whole);
    double bestScore = best;
    withTrainer(
        bestFolder,
        new TrainingRun(List.of()),
        t -> {
          try (PretrainedModel pm = PretrainedModel.load(bestFolder, Device.cpu())) {
            assertThat(t.evaluate(heldOut(pm)).get("eval_score")).isEqualTo(bestScore);
          }
          return null;
        });

    // Four iterations, a stop, and a rerun to eight: the same metrics and the same best policy.
    Path cut = dir.resolve("cut/grpo");
    withTrainer(
        TestModels.stories(),
        new TrainingRun(List.of()),
        t -> {
          t.train(DjlPpoTrainerTest.prompts(tokenizerOf(t), 40), 4, cut, 1, 9);
          return null;
        });
    TrainingRun resumed = new TrainingRun(List.of());
    withTrainer(
        TestModels.stories(),
        resumed,
        t -> {
          t.train(DjlPpoTrainerTest.prompts(tokenizerOf(t), 40), 8, cut, 1, 9);
          return null;
        });
    List<StepMetrics> a = straight.history().subList(4, 8);
    List<StepMetrics> b = resumed.history();
    assertThat(b).hasSize(4);
    for (int i = 0; i < 4; i++) {
      for (Map.Entry<String, Double> e : a.get(i).values().entrySet()) {
        if (!e.getKey().endsWith("_seconds")) {
          assertThat(b.get(i).get(e.getKey())).as("%s", e.getKey()).isEqualTo(e.getValue());
        }
      }
    }
    assertThat(Files.readAllBytes(RlEvaluation.bestFolder(cut).resolve("model.safetensors")))
        .isEqualTo(Files.readAllBytes(bestFolder.resolve("model.safetensors")));
  }

  private static io.rlhf4j.model.Tokenizer tokenizerOf(DjlPpoTrainer t) {
    return ((io.rlhf4j.djl.generate.DjlPolicy) t.policy()).tokenizer();
  }
}
