package io.rlhf4j.examples.train;

import ai.djl.Device;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.HeldOutSplit;
import io.rlhf4j.djl.io.PeftAdapter;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.LoraConfig;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.sft.SftConfig;
import io.rlhf4j.djl.train.sft.SftTrainer;
import io.rlhf4j.internal.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sft}: supervised fine-tuning on the user's demonstrations, loss on response tokens only;
 * writes {@code RUN/policy} (and {@code RUN/policy-adapter} with LoRA).
 */
@Command(
    name = "sft",
    mixinStandardHelpOptions = true,
    description = "Supervised fine-tuning on demonstrations (JSONL: prompt, response).")
public final class SftCommand extends TrainCommand {
  private static final SftConfig D = SftConfig.builder().build();

  // --demonstrations as in every other training command; --data is kept for earlier scripts.
  @Option(
      names = {"-d", "--demonstrations", "--data"},
      description = "demonstrations JSONL (required); --data is an older name")
  Path data;

  @Option(names = "--epochs", description = "epochs (default: ${DEFAULT-VALUE})")
  int epochs = D.training().epochs();

  @Option(
      names = "--batch-size",
      description = "demonstrations per step (default: ${DEFAULT-VALUE})")
  int batchSize = D.training().batchSize();

  @Option(names = "--lr", description = "learning rate (default: ${DEFAULT-VALUE})")
  double lr = D.training().optimizer().learningRate();

  @Option(
      names = "--max-length",
      description = "tokens of prompt + response (default: ${DEFAULT-VALUE})")
  int maxLength = D.training().maxLength();

  @Override
  protected void validate() {
    if (data == null) {
      throw usage("missing --demonstrations (or 'demonstrations' in --config)");
    }
  }

  @Override
  protected Training prepare() throws IOException {
    List<Demonstration> demonstrations = userData().demonstrations(data);
    HeldOutSplit.Parts<Demonstration> parts =
        new HeldOutSplit(heldOutFraction, seed).split(demonstrations, Demonstration::prompt);
    SftConfig config =
        SftConfig.builder()
            .epochs(epochs)
            .batchSize(batchSize)
            .maxLength(maxLength)
            .optimizer(AdamWConfig.of(lr))
            .seed(seed)
            .checkpointEverySteps(checkpointEvery)
            .gradientCheckpointing(gradientCheckpointing)
            .build();
    return device -> train(parts, config, device);
  }

  private void train(HeldOutSplit.Parts<Demonstration> parts, SftConfig config, Device device)
      throws IOException {
    TrainingRun run = new TrainingRun(listeners("loss", "eval_loss"));
    LoraConfig lora = lora();
    try (PretrainedModel base = PretrainedModel.load(model, device)) {
      if (lora == null) {
        new SftTrainer(base.model(), base.tokenizer(), config, run)
            .train(parts.train(), parts.heldOut(), out.resolve("sft"));
        save(base.model(), base);
        return;
      }
      try (CausalLm adapter = base.model().withLora(lora)) {
        new SftTrainer(adapter, base.tokenizer(), config, run)
            .train(parts.train(), parts.heldOut(), out.resolve("sft"));
        String baseName = model.toAbsolutePath().normalize().toString();
        AtomicFiles.replaceFolder(
            out.resolve("policy-adapter"), temp -> PeftAdapter.save(adapter, temp, baseName));
        save(adapter.mergeAdapter(), base);
      }
    }
  }

  private void save(CausalLm policy, PretrainedModel base) throws IOException {
    AtomicFiles.replaceFolder(
        out.resolve("policy"),
        temp -> PretrainedModel.save(policy, forSaving(base.tokenizer()), temp));
  }
}
