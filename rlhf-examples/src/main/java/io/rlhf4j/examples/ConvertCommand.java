package io.rlhf4j.examples;

import ai.djl.Device;
import io.rlhf4j.djl.io.PeftAdapter;
import io.rlhf4j.djl.io.PretrainedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code convert}: loads any supported model folder and writes it as a Hugging Face folder. */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description = "Convert a llama2.c (or Hugging Face) folder to a Hugging Face folder.")
final class ConvertCommand implements Callable<Integer> {
  @Option(
      names = "--from",
      required = true,
      description = "source folder (llama2.c or Hugging Face)")
  Path from;

  @Option(
      names = "--to",
      required = true,
      description = "destination folder for the Hugging Face files")
  Path to;

  @Option(names = "--adapter", description = "a PEFT adapter folder trained on the source model")
  Path adapter;

  @Option(
      names = "--merge",
      description =
          "write the adapter merged into the weights (a plain model); without it, the base goes"
              + " to --to and the adapter, as a PEFT folder, to --to/adapter")
  boolean merge;

  @Override
  public Integer call() throws IOException {
    try (PretrainedModel model = GenerateCommand.load(from, adapter, merge, Device.cpu())) {
      if (model.model().isAdapter() && !merge) {
        // The base as it was, and the adapter beside it for PEFT or for --adapter.
        PretrainedModel.save(model.model().base(), model.tokenizer(), to);
        Path adapter = to.resolve("adapter");
        PeftAdapter.save(model.model(), adapter, to.toAbsolutePath().toString());
        System.err.printf(
            "wrote %s (%,d parameters, %s) and its adapter %s (%,d parameters)%n",
            to,
            model.model().base().parameterCount(),
            model.model().config().modelType(),
            adapter,
            model.model().parameterCount());
      } else {
        model.save(to);
        System.err.printf(
            "wrote %s (%,d parameters, %s)%n",
            to, model.model().parameterCount(), model.model().config().modelType());
      }
    }
    return 0;
  }
}
