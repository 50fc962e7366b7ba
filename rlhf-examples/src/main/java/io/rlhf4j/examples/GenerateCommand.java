package io.rlhf4j.examples;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code generate}: samples text from a Hugging Face or llama2.c model folder. Only the generated
 * text goes to stdout (one sample per line block); logs go to stderr.
 */
final class GenerateCommand implements Main.Command {
  static final String DEFAULT_MODEL = "../shared/models/stories260K";

  private static final Map<String, String> FLAGS = new LinkedHashMap<>();

  static {
    FLAGS.put("model", "model folder, Hugging Face or llama2.c (default " + DEFAULT_MODEL + ")");
    FLAGS.put("adapter", "a PEFT adapter folder to apply to the model (default: none)");
    FLAGS.put("merge", Flags.SWITCH + "merge the adapter into the weights before decoding");
    FLAGS.put("prompt", "prompt text (default: start from BOS alone)");
    FLAGS.put("max-new-tokens", "tokens to generate (default 256)");
    FLAGS.put("temperature", "sampling temperature, 0 = greedy (default 0)");
    FLAGS.put("top-k", "keep the k most likely tokens, 0 = off (default 0)");
    FLAGS.put("top-p", "nucleus sampling mass, 1 = off (default 1)");
    FLAGS.put("seed", "random seed (default 0)");
    FLAGS.put("batch", "number of samples, decoded as one batch (default 1)");
  }

  @Override
  public String summary() {
    return "sample text from a model folder (Hugging Face or llama2.c)";
  }

  @Override
  public int run(String[] args) {
    Flags flags = new Flags(FLAGS, args);
    if (flags.wantsHelp()) {
      System.err.print(flags.usage("generate"));
      return 0;
    }
    SamplingConfig config =
        SamplingConfig.builder()
            .maxNewTokens(flags.integer("max-new-tokens", 256))
            .temperature(flags.number("temperature", 0))
            .topK(flags.integer("top-k", 0))
            .topP(flags.number("top-p", 1))
            .seed(flags.longValue("seed", 0))
            .build();
    int batch = flags.integer("batch", 1);
    Device device = Engine.getInstance().defaultDevice();
    try (PretrainedModel model = load(flags, "model", DEFAULT_MODEL, device)) {
      DjlPolicy policy = new DjlPolicy(model.model(), model.tokenizer());
      int[] prompt = model.tokenizer().encode(flags.string("prompt", ""), true);
      List<Generation> out = policy.generate(Collections.nCopies(batch, prompt), config);
      for (int i = 0; i < out.size(); i++) {
        if (batch > 1) {
          System.out.println("--- sample " + (i + 1));
        }
        System.out.println(model.tokenizer().decode(concat(prompt, out.get(i).response())));
      }
    }
    return 0;
  }

  /**
   * The model folder named by {@code modelFlag}, with the adapter of {@code --adapter} on top,
   * merged when {@code --merge} is given.
   */
  static PretrainedModel load(Flags flags, String modelFlag, String fallback, Device device) {
    Path model =
        Path.of(fallback == null ? flags.required(modelFlag) : flags.string(modelFlag, fallback));
    String adapter = flags.string("adapter", null);
    if (adapter == null) {
      if (flags.isSet("merge")) {
        throw new IllegalArgumentException("--merge needs --adapter");
      }
      return PretrainedModel.load(model, device);
    }
    return PretrainedModel.load(model, Path.of(adapter), device, flags.isSet("merge"));
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
