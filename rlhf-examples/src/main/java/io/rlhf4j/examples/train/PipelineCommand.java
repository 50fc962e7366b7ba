package io.rlhf4j.examples.train;

import io.rlhf4j.api.Rlhf;
import io.rlhf4j.data.PreferenceDataset;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.sft.SftConfig;
import io.rlhf4j.examples.train.UserData.PreferenceFormat;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * A training command that runs the fluent pipeline from the base model: SFT on the user's
 * demonstrations when they are given (else the model as it is), then the stages a subclass adds.
 * The pipeline brings resume, the settings check, held-out splits by prompt and the final {@code
 * RUN/policy} folder.
 */
abstract class PipelineCommand extends TrainCommand {
  private static final SftConfig SFT = SftConfig.builder().build();

  @Option(
      names = {"-d", "--demonstrations"},
      description =
          "demonstrations JSONL for an SFT stage first; without it the model is used as it is"
              + " (a base or an instruct model)")
  Path demonstrations;

  @Option(names = "--sft-epochs", description = "SFT epochs (default: ${DEFAULT-VALUE})")
  int sftEpochs = SFT.training().epochs();

  @Option(names = "--sft-lr", description = "SFT learning rate (default: ${DEFAULT-VALUE})")
  double sftLr = SFT.training().optimizer().learningRate();

  @Option(
      names = {"-p", "--preferences"},
      description =
          "human preferences JSONL (required for the reward model and DPO); with --chat, TRL's"
              + " layout: prompt, chosen and rejected as message lists")
  Path preferences;

  @Option(
      names = "--preference-format",
      description = "RANKINGS, COMPARISONS or PAIRS (default: ${DEFAULT-VALUE})")
  PreferenceFormat preferenceFormat = PreferenceFormat.RANKINGS;

  @Option(
      names = "--max-length",
      description =
          "tokens of prompt + response in SFT, reward and DPO (default: ${DEFAULT-VALUE})")
  int maxLength = SFT.training().maxLength();

  /** Refuses a run without the preferences file the command's stage needs. */
  protected void requirePreferences() {
    if (preferences == null) {
      throw usage("missing --preferences (or 'preferences' in --config)");
    }
  }

  /**
   * The pipeline after SFT, configured from the shared options, with the demonstrations read;
   * {@code device} is set on it when it runs.
   */
  protected Rlhf.Pipeline pipeline() throws IOException {
    SftConfig sft =
        SftConfig.builder()
            .epochs(sftEpochs)
            .maxLength(maxLength)
            .optimizer(AdamWConfig.of(sftLr))
            .seed(seed)
            .checkpointEverySteps(checkpointEvery)
            .gradientCheckpointing(gradientCheckpointing)
            .build();
    // Without demonstrations the run starts from the model as it is (no SFT stage).
    Rlhf.Pipeline start =
        demonstrations == null
            ? Rlhf.from(model)
            : Rlhf.sft(model, userData().demonstrations(demonstrations), sft);
    Rlhf.Pipeline pipeline =
        start
            .seed(seed)
            .heldOutFraction(heldOutFraction)
            .listeners(listeners("loss", "eval_accuracy", "score", "kl"));
    if (chatTemplateText != null) {
      pipeline = pipeline.chatTemplate(chatTemplateText);
    }
    return lora() == null ? pipeline : pipeline.lora(lora());
  }

  /** The user's preference file, read through the field names. */
  protected PreferenceDataset preferences() throws IOException {
    return userData().preferences(preferences, preferenceFormat);
  }
}
