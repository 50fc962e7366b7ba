package io.rlhf4j.examples.train;

import io.rlhf4j.api.Rlhf;
import io.rlhf4j.data.LabeledCompletion;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.kto.KtoConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kto}: SFT, then KTO on completions each marked good or bad; writes {@code RUN/policy}. */
@Command(
    name = "kto",
    mixinStandardHelpOptions = true,
    description =
        "SFT, then KTO on completions each judged good or bad on its own (TRL's unpaired layout:"
            + " prompt, completion, label); no pairs, no reward model, no RL.")
public final class KtoCommand extends PipelineCommand {
  private static final KtoConfig K = KtoConfig.builder().build();

  @Option(
      names = "--completions",
      description = "JSONL of {\"prompt\", \"completion\", \"label\": true|false} (required)")
  Path completions;

  @Option(names = "--beta", description = "KTO's beta (default: ${DEFAULT-VALUE})")
  double beta = K.objective().beta();

  @Option(
      names = "--desirable-weight",
      description = "lambda_D on good completions (default: ${DEFAULT-VALUE})")
  double desirableWeight = K.objective().desirableWeight();

  @Option(
      names = "--undesirable-weight",
      description = "lambda_U on bad completions (default: ${DEFAULT-VALUE})")
  double undesirableWeight = K.objective().undesirableWeight();

  @Option(names = "--epochs", description = "KTO epochs (default: ${DEFAULT-VALUE})")
  int epochs = K.training().epochs();

  @Option(
      names = "--batch-size",
      description = "completions per step, 2 or more (default: ${DEFAULT-VALUE})")
  int batchSize = K.training().batchSize();

  @Option(names = "--lr", description = "KTO learning rate (default: ${DEFAULT-VALUE})")
  double lr = K.training().optimizer().learningRate();

  @Override
  protected void validate() {
    if (completions == null) {
      throw usage("missing --completions (or 'completions' in --config)");
    }
  }

  @Override
  protected Training prepare() throws IOException {
    KtoConfig config =
        KtoConfig.builder()
            .beta(beta)
            .weights(desirableWeight, undesirableWeight)
            .epochs(epochs)
            .batchSize(batchSize)
            .maxLength(maxLength)
            .optimizer(AdamWConfig.of(lr))
            .seed(seed)
            .checkpointEverySteps(checkpointEvery)
            .gradientCheckpointing(gradientCheckpointing)
            .build();
    List<LabeledCompletion> data = userData().labeledCompletions(completions);
    Rlhf.Pipeline pipeline = pipeline().thenKto(data, config);
    return device -> {
      try (Rlhf.Result result = pipeline.device(device).run(out)) {
        System.err.println("KTO done: " + result.policyFolder());
      }
    };
  }
}
