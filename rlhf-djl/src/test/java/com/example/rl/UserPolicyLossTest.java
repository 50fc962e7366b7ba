package com.example.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.rl.PolicyLoss;
import io.rlhf4j.djl.train.rl.PolicyLosses;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.StepMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A caller's own policy loss, written outside the library's packages: one class, one registration,
 * then named in the config. Here plain policy gradient, −A·ρ with no clipping, which on one
 * on-policy step (ρ = 1, inside any clip range) must give exactly PPO's update: the same loss and
 * the same gradient norm, so the test shows the trainer runs the registered loss and nothing else.
 */
class UserPolicyLossTest {
  private static final AtomicInteger CALLS = new AtomicInteger();

  /** −A·ρ per token. */
  static final class VanillaPolicyGradient implements PolicyLoss {
    @Override
    public NDArray tokenLosses(NDArray logp, NDArray logpOld, NDArray advantages, NDArray mask) {
      CALLS.incrementAndGet();
      return advantages.neg().mul(logp.sub(logpOld).exp());
    }
  }

  private static StepMetrics oneStep(String loss) {
    PpoConfig config =
        PpoConfig.grpo()
            .policyLoss(loss)
            .rolloutBatchSize(2)
            .miniBatchSize(8)
            .ppoEpochs(1)
            .sampling(SamplingConfig.builder().temperature(1).maxNewTokens(8).build())
            .seed(5)
            .build();
    // A reward that tells the samples apart: their sum of token ids, mod 7.
    RewardModel length =
        (prompts, responses) ->
            responses.stream().mapToDouble(r -> Arrays.stream(r).sum() % 7).toArray();
    TrainingRun run = new TrainingRun(List.of());
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
        DjlPpoTrainer trainer =
            new DjlPpoTrainer(
                RlModels.builder(pm.model(), length, pm.tokenizer()).build(),
                config,
                List.of(),
                run)) {
      List<int[]> prompts = new ArrayList<>();
      prompts.add(pm.tokenizer().encode("Once upon a time", true));
      prompts.add(pm.tokenizer().encode("The cat", true));
      return trainer.step(prompts);
    }
  }

  @Test
  void aRegisteredLossIsNamedInTheConfigAndTrainsThePolicy() {
    PolicyLosses.register("vanilla-pg-test", (low, high) -> new VanillaPolicyGradient());
    StepMetrics ppo = oneStep("ppo");
    CALLS.set(0);
    StepMetrics mine = oneStep("vanilla_pg_test");
    assertThat(CALLS.get()).isPositive();
    assertThat(mine.stage()).isEqualTo("vanilla_pg_test");
    assertThat(mine.get("policy_loss")).isCloseTo(ppo.get("policy_loss"), within(1e-6));
    assertThat(mine.get("policy_grad_norm"))
        .isCloseTo(ppo.get("policy_grad_norm"), within(1e-6))
        .isPositive();
  }
}
