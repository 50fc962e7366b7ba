package io.rlhf4j.examples;

import ai.djl.Device;
import io.rlhf4j.djl.io.PeftAdapter;
import io.rlhf4j.djl.io.PretrainedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code convert}: loads any supported model folder and writes it as a Hugging Face folder. */
final class ConvertCommand implements Main.Command {
  private static final Map<String, String> FLAGS = new LinkedHashMap<>();

  static {
    FLAGS.put("from", "source folder (llama2.c or Hugging Face), required");
    FLAGS.put("to", "destination folder for the Hugging Face files, required");
    FLAGS.put("adapter", "a PEFT adapter folder trained on the source model (default: none)");
    FLAGS.put(
        "merge",
        Flags.SWITCH
            + "write the adapter merged into the weights (a plain model); without it, the base goes"
            + " to --to and the adapter, as a PEFT folder, to --to/adapter");
  }

  @Override
  public String summary() {
    return "convert a llama2.c (or Hugging Face) folder to a Hugging Face folder";
  }

  @Override
  public int run(String[] args) throws IOException {
    Flags flags = new Flags(FLAGS, args);
    if (flags.wantsHelp()) {
      System.err.print(flags.usage("convert"));
      return 0;
    }
    Path to = Path.of(flags.required("to"));
    boolean merge = flags.isSet("merge");
    try (PretrainedModel model = GenerateCommand.load(flags, "from", null, Device.cpu())) {
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
