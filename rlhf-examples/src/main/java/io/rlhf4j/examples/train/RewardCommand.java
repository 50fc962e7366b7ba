package io.rlhf4j.examples.train;

import io.rlhf4j.api.Rlhf;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.reward.RewardConfig;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code reward}: a reward model alone, on the user's rankings, from the model (after SFT when
 * demonstrations are given), into {@code RUN/round-1/reward}: a model folder that {@code best-of-n
 * --reward-model} and an RL command's {@code --reward-model} load.
 */
@Command(
    name = "reward",
    mixinStandardHelpOptions = true,
    description =
        "Train a reward model alone on --preferences (SFT first with -d); writes"
            + " RUN/round-1/reward.")
public final class RewardCommand extends PipelineCommand {
  private static final RewardConfig R = RewardConfig.builder().build();

  @Option(names = "--epochs", description = "reward-model epochs (default: ${DEFAULT-VALUE})")
  int epochs = R.training().epochs();

  @Option(names = "--lr", description = "reward-model learning rate (default: ${DEFAULT-VALUE})")
  double lr = R.training().optimizer().learningRate();

  @Override
  protected void validate() {
    requirePreferences();
  }

  @Override
  protected Training prepare() throws IOException {
    RewardConfig config =
        RewardConfig.builder()
            .epochs(epochs)
            .maxLength(maxLength)
            .optimizer(AdamWConfig.of(lr))
            .seed(seed)
            .checkpointEverySteps(checkpointEvery)
            .gradientCheckpointing(gradientCheckpointing)
            .build();
    Rlhf.Pipeline pipeline = pipeline().thenRewardModel(preferences(), config);
    return device -> {
      try (var result = pipeline.device(device).run(out)) {
        System.err.println(
            "reward model: "
                + out.resolve("round-1").resolve("reward").toAbsolutePath().normalize());
      }
    };
  }
}
