package io.rlhf4j.examples.train;

import io.rlhf4j.api.Rlhf;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.dpo.DpoConfig;
import io.rlhf4j.train.dpo.DpoLossType;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dpo}: SFT on demonstrations, then DPO on preferences with the SFT model as the frozen
 * reference (the pipeline's {@code thenDpo}); writes {@code RUN/policy}.
 */
@Command(
    name = "dpo",
    mixinStandardHelpOptions = true,
    description = "SFT, then DPO (or IPO, cDPO, RPO) on preferences; no reward model, no RL.")
public final class DpoCommand extends PipelineCommand {
  private static final DpoConfig D = DpoConfig.builder().build();

  @Option(names = "--beta", description = "DPO's beta (default: ${DEFAULT-VALUE})")
  double beta = D.objective().beta();

  @Option(names = "--loss", description = "SIGMOID (DPO) or IPO (default: ${DEFAULT-VALUE})")
  DpoLossType loss = D.objective().type();

  @Option(
      names = "--label-smoothing",
      description = "conservative DPO's label noise (default: ${DEFAULT-VALUE})")
  double labelSmoothing = D.objective().labelSmoothing();

  @Option(
      names = "--sft-coefficient",
      description = "RPO: weight of the chosen response's NLL (default: ${DEFAULT-VALUE})")
  double sftCoefficient = D.objective().sftCoefficient();

  @Option(names = "--epochs", description = "DPO epochs (default: ${DEFAULT-VALUE})")
  int epochs = D.epochs();

  @Option(names = "--lr", description = "DPO learning rate (default: ${DEFAULT-VALUE})")
  double lr = D.optimizer().learningRate();

  @Override
  protected Training prepare() throws IOException {
    DpoConfig config =
        DpoConfig.builder()
            .beta(beta)
            .lossType(loss)
            .labelSmoothing(labelSmoothing)
            .sftCoefficient(sftCoefficient)
            .epochs(epochs)
            .maxLength(maxLength)
            .optimizer(AdamWConfig.of(lr))
            .seed(seed)
            .checkpointEverySteps(checkpointEvery)
            .build();
    Rlhf.Pipeline pipeline = pipeline().thenDpo(preferences(), config);
    return device -> {
      try (Rlhf.Result result = pipeline.device(device).run(out)) {
        System.err.println("DPO done: " + result.policyFolder());
      }
    };
  }
}
