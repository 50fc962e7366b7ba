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
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code generate}: samples text from a Hugging Face or llama2.c model folder. Only the generated
 * text goes to stdout (one sample per line block); logs go to stderr.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Sample text from a model folder (Hugging Face or llama2.c).")
final class GenerateCommand implements Callable<Integer> {
  static final String DEFAULT_MODEL = "../shared/models/stories260K";

  @Option(
      names = {"-m", "--model"},
      description = "model folder, Hugging Face or llama2.c (default: ${DEFAULT-VALUE})")
  Path model = Path.of(DEFAULT_MODEL);

  @Option(names = "--adapter", description = "a PEFT adapter folder to apply to the model")
  Path adapter;

  @Option(names = "--merge", description = "merge the adapter into the weights before decoding")
  boolean merge;

  @Option(
      names = {"-p", "--prompt"},
      description = "prompt text (default: start from BOS alone)")
  String prompt = "";

  @Option(
      names = "--max-new-tokens",
      description = "tokens to generate (default: ${DEFAULT-VALUE})")
  int maxNewTokens = 256;

  @Option(
      names = {"-t", "--temperature"},
      description = "sampling temperature, 0 = greedy (default: ${DEFAULT-VALUE})")
  double temperature = 0;

  @Option(
      names = "--top-k",
      description = "keep the k most likely tokens, 0 = off (default: ${DEFAULT-VALUE})")
  int topK = 0;

  @Option(
      names = "--top-p",
      description = "nucleus sampling mass, 1 = off (default: ${DEFAULT-VALUE})")
  double topP = 1;

  @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})")
  long seed = 0;

  @Option(
      names = {"-n", "--batch"},
      description = "number of samples, decoded as one batch (default: ${DEFAULT-VALUE})")
  int batch = 1;

  @Override
  public Integer call() {
    SamplingConfig config =
        SamplingConfig.builder()
            .maxNewTokens(maxNewTokens)
            .temperature(temperature)
            .topK(topK)
            .topP(topP)
            .seed(seed)
            .build();
    Device device = Engine.getInstance().defaultDevice();
    try (PretrainedModel loaded = load(model, adapter, merge, device)) {
      DjlPolicy policy = new DjlPolicy(loaded.model(), loaded.tokenizer());
      int[] ids = loaded.tokenizer().encode(prompt, true);
      List<Generation> out = policy.generate(Collections.nCopies(batch, ids), config);
      for (int i = 0; i < out.size(); i++) {
        if (batch > 1) {
          System.out.println("--- sample " + (i + 1));
        }
        System.out.println(loaded.tokenizer().decode(concat(ids, out.get(i).response())));
      }
    }
    return 0;
  }

  /** {@code model} with {@code adapter} on top (if any), merged into the weights if asked. */
  static PretrainedModel load(Path model, Path adapter, boolean merge, Device device) {
    if (adapter == null) {
      if (merge) {
        throw new IllegalArgumentException("--merge needs --adapter");
      }
      return PretrainedModel.load(model, device);
    }
    return PretrainedModel.load(model, adapter, device, merge);
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
