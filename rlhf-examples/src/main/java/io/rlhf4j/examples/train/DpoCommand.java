package io.rlhf4j.examples.train;

import io.rlhf4j.api.Rlhf;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.dpo.DpoConfig;
import io.rlhf4j.train.dpo.DpoLossType;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dpo}: SFT on demonstrations, then DPO on preferences with the SFT model as the frozen
 * reference (the pipeline's {@code thenDpo}); writes {@code RUN/policy}.
 */
@Command(
    name = "dpo",
    mixinStandardHelpOptions = true,
    description =
        "SFT, then DPO (or IPO, cDPO, RPO; SimPO, ORPO without a reference) on preferences; no"
            + " reward model, no RL.")
public final class DpoCommand extends PipelineCommand {
  private static final DpoConfig D = DpoConfig.builder().build();

  @Option(
      names = "--beta",
      description =
          "beta (ORPO's lambda); default: the loss's preset (DPO, IPO 0.1; SimPO 2; ORPO 0.1)")
  Double beta;

  @Option(
      names = "--loss",
      description = "SIGMOID (DPO), IPO, SIMPO or ORPO (default: ${DEFAULT-VALUE})")
  DpoLossType loss = D.objective().type();

  @Option(
      names = "--reward-margin",
      description = "SimPO's target margin gamma; default: the preset's 0.5")
  Double rewardMargin;

  @Option(
      names = "--label-smoothing",
      description = "conservative DPO's label noise (default: ${DEFAULT-VALUE})")
  double labelSmoothing = D.objective().labelSmoothing();

  @Option(
      names = "--sft-coefficient",
      description = "RPO: weight of the chosen response's NLL; default 0, ORPO's 1")
  Double sftCoefficient;

  @Option(names = "--epochs", description = "DPO epochs (default: ${DEFAULT-VALUE})")
  int epochs = D.training().epochs();

  @Option(names = "--lr", description = "DPO learning rate (default: ${DEFAULT-VALUE})")
  double lr = D.training().optimizer().learningRate();

  @Option(
      names = "--episodes",
      description =
          "ranked episodes (prompt, turns, ranks), as the ranking page saves episodes, instead of"
              + " --preferences: DPO over the policy's turns only, the tools' results as context")
  Path episodes;

  @Override
  protected void validate() {
    if (episodes == null) {
      requirePreferences();
    } else if (preferences != null) {
      throw usage("give --preferences or --episodes, not both");
    }
  }

  @Override
  protected Training prepare() throws IOException {
    DpoConfig.Builder preset =
        switch (loss) {
          case SIMPO -> DpoConfig.simpo();
          case ORPO -> DpoConfig.orpo();
          default -> DpoConfig.builder().lossType(loss);
        };
    if (beta != null) {
      preset.beta(beta);
    }
    if (rewardMargin != null) {
      preset.rewardMargin(rewardMargin);
    }
    if (sftCoefficient != null) {
      preset.sftCoefficient(sftCoefficient);
    }
    DpoConfig config =
        preset
            .labelSmoothing(labelSmoothing)
            .epochs(epochs)
            .maxLength(maxLength)
            .optimizer(AdamWConfig.of(lr))
            .seed(seed)
            .checkpointEverySteps(checkpointEvery)
            .gradientCheckpointing(gradientCheckpointing)
            .build();
    Rlhf.Pipeline pipeline =
        episodes == null
            ? pipeline().thenDpo(preferences(), config)
            : pipeline().thenDpoOnEpisodes(userData().episodeRankings(episodes), config);
    return device -> {
      try (Rlhf.Result result = pipeline.device(device).run(out)) {
        System.err.println("DPO done: " + result.policyFolder());
      }
    };
  }
}
