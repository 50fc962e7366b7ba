package io.rlhf4j.examples;

import ai.djl.Device;
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
    try (PretrainedModel model =
        PretrainedModel.load(Path.of(flags.required("from")), Device.cpu())) {
      model.save(to);
      System.err.printf(
          "wrote %s (%,d parameters, %s)%n",
          to, model.model().parameterCount(), model.model().config().modelType());
    }
    return 0;
  }
}
