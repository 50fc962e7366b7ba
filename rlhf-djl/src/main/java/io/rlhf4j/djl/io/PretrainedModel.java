package io.rlhf4j.djl.io;

import ai.djl.Device;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.djl.tensor.TensorData;
import io.rlhf4j.djl.tokenize.Gpt2Tokenizer;
import io.rlhf4j.djl.tokenize.HfTokenizer;
import io.rlhf4j.djl.tokenize.Llama2cTokenizer;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.tokenize.TokenizerConfig;
import io.rlhf4j.internal.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A language model with its tokenizer, loaded from the folders people have and saved as a Hugging
 * Face folder ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json}, {@code
 * generation_config.json}) that {@code transformers} loads as is.
 *
 * <p>Loading is all-or-nothing: every file is read and checked on the Java heap before any native
 * array exists, so a bad folder never yields a half-loaded model.
 *
 * @param model the network
 * @param tokenizer its tokenizer
 */
public record PretrainedModel(CausalLm model, SavableTokenizer tokenizer) implements AutoCloseable {

  /**
   * Loads {@code folder}: a Hugging Face folder (has {@code config.json}) or a llama2.c folder (a
   * checkpoint {@code .bin} with its {@code tok*.bin} / {@code tokenizer.bin}).
   */
  public static PretrainedModel load(Path folder, Device device) {
    // A checkpoint folder a crash left half swapped in is put back first.
    AtomicFiles.recovered(folder);
    if (!Files.isDirectory(folder)) {
      throw new ModelFormatException(folder, "not a folder");
    }
    return Files.exists(folder.resolve("config.json"))
        ? loadHuggingFace(folder, device)
        : loadLlama2c(folder, device);
  }

  /**
   * Checks, without loading any weights, that {@code folder} is a model folder {@link #load} can
   * read: a Hugging Face folder whose {@code config.json} is understood, with its weights and a
   * tokenizer, or a llama2.c folder with one checkpoint and one tokenizer. Commands call it before
   * they write anything, so a wrong path fails before a run folder exists.
   *
   * @throws ModelFormatException naming the file and what is wrong
   */
  public static void check(Path folder) {
    AtomicFiles.recovered(folder);
    if (!Files.isDirectory(folder)) {
      throw new ModelFormatException(folder, "not a folder");
    }
    if (!Files.exists(folder.resolve("config.json"))) {
      llama2cFiles(folder);
      return;
    }
    ModelConfig config = HfConfig.read(folder.resolve("config.json"));
    if (!Files.exists(folder.resolve(HfWeights.SINGLE))
        && !Files.exists(folder.resolve(HfWeights.INDEX))) {
      throw new ModelFormatException(
          folder, "no " + HfWeights.SINGLE + " nor " + HfWeights.INDEX + " beside config.json");
    }
    if (!Files.exists(folder.resolve("tokenizer.json"))
        && config.family() != ModelConfig.Family.GPT2) {
      throw new ModelFormatException(folder, "no tokenizer.json");
    }
  }

  private static PretrainedModel loadHuggingFace(Path folder, Device device) {
    ModelConfig config = HfConfig.read(folder.resolve("config.json"));
    Map<String, TensorData> raw = HfWeights.readRaw(folder);
    Path weightsFile =
        Files.exists(folder.resolve(HfWeights.SINGLE))
            ? folder.resolve(HfWeights.SINGLE)
            : folder.resolve(HfWeights.INDEX);
    Map<String, TensorData> canonical = HfWeights.toCanonical(raw, config, weightsFile);
    SavableTokenizer tokenizer;
    if (Files.exists(folder.resolve("tokenizer.json"))) {
      tokenizer =
          HfTokenizer.load(
              folder.resolve("tokenizer.json"),
              config.vocabSize(),
              config.bosTokenId(),
              HfConfig.stopTokenIds(folder, config),
              TokenizerConfig.read(folder).orElse(null));
    } else if (config.family() == ModelConfig.Family.GPT2) {
      tokenizer = Gpt2Tokenizer.load(folder);
      if (tokenizer.vocabSize() > config.vocabSize()) {
        throw new ModelFormatException(
            folder,
            "the tokenizer has "
                + tokenizer.vocabSize()
                + " ids, beyond the model's vocabulary of "
                + config.vocabSize());
      }
    } else {
      throw new ModelFormatException(folder, "no tokenizer.json");
    }
    return new PretrainedModel(build(config, canonical, device, weightsFile), tokenizer);
  }

  private static PretrainedModel loadLlama2c(Path folder, Device device) {
    Path[] files = llama2cFiles(folder);
    Llama2cCheckpoint.Contents contents = Llama2cCheckpoint.read(files[0]);
    Llama2cTokenizer tokenizer = Llama2cTokenizer.load(files[1], contents.config().vocabSize());
    return new PretrainedModel(
        build(contents.config(), contents.tensors(), device, files[0]), tokenizer);
  }

  // A llama2.c folder's checkpoint and tokenizer: exactly one of each.
  private static Path[] llama2cFiles(Path folder) {
    List<Path> bins;
    try (Stream<Path> files = Files.list(folder)) {
      bins = files.filter(p -> p.getFileName().toString().endsWith(".bin")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Path> tokenizers = bins.stream().filter(PretrainedModel::isLlama2cTokenizer).toList();
    List<Path> checkpoints = bins.stream().filter(p -> !isLlama2cTokenizer(p)).toList();
    if (checkpoints.size() != 1 || tokenizers.size() != 1) {
      throw new ModelFormatException(
          folder,
          "expected a Hugging Face config.json, or exactly one llama2.c checkpoint .bin and one"
              + " tok*.bin/tokenizer.bin; found checkpoints "
              + checkpoints
              + " and tokenizers "
              + tokenizers);
    }
    return new Path[] {checkpoints.get(0), tokenizers.get(0)};
  }

  private static boolean isLlama2cTokenizer(Path p) {
    String name = p.getFileName().toString();
    return name.startsWith("tok");
  }

  private static CausalLm build(
      ModelConfig config, Map<String, ? extends TensorData> tensors, Device device, Path source) {
    try {
      return CausalLm.fromTensors(config, tensors, device);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(source, e.getMessage(), e);
    } catch (java.io.UncheckedIOException e) {
      throw new ModelFormatException(
          source,
          e.getMessage() + ": " + io.rlhf4j.internal.io.InputFiles.describe(e.getCause()),
          e);
    }
  }

  /** Saves this model as a Hugging Face folder. */
  public void save(Path folder) throws IOException {
    save(model, tokenizer, folder);
  }

  /**
   * Loads the Hugging Face or llama2.c folder {@code base} with the PEFT adapter in {@code adapter}
   * on top: merged into the base weights when {@code merge} (a plain model, as PEFT's
   * merge_and_unload gives), or as a LoRA view of the base otherwise. Either way, closing the
   * result frees everything.
   */
  public static PretrainedModel load(Path base, Path adapter, Device device, boolean merge) {
    PretrainedModel loaded = load(base, device);
    try {
      PeftAdapter peft = PeftAdapter.read(AtomicFiles.recovered(adapter), loaded.model().config());
      CausalLm view = loaded.model().withLora(peft.config(), peft.tensors());
      if (!merge) {
        return new PretrainedModel(view, loaded.tokenizer());
      }
      try (view) {
        view.mergeAdapter();
      }
      return loaded;
    } catch (RuntimeException e) {
      loaded.close();
      throw e;
    }
  }

  /**
   * Writes {@code model} and {@code tokenizer} to {@code folder} as a Hugging Face folder; a LoRA
   * view is written with its update merged into the base weights, so any Hugging Face loader reads
   * it as a plain model. Each file is written atomically; the weights last, so a folder with {@code
   * model.safetensors} is complete.
   */
  public static void save(CausalLm model, SavableTokenizer tokenizer, Path folder)
      throws IOException {
    Files.createDirectories(folder);
    ModelConfig config = model.config();
    AtomicFiles.writeString(folder.resolve("config.json"), HfConfig.toJson(config));
    AtomicFiles.writeString(
        folder.resolve("generation_config.json"),
        HfConfig.generationConfigJson(config, tokenizer.stopIds()));
    AtomicFiles.writeString(folder.resolve("tokenizer.json"), tokenizer.tokenizerJson());
    // With its config beside it, transformers loads the tokenizer as it was, chat template too.
    tokenizer.tokenizerConfig().write(folder);
    Safetensors.write(
        folder.resolve(HfWeights.SINGLE),
        HfWeights.fromCanonical(model.mergedWeights(), config),
        Map.of("format", "pt"));
  }

  /** Closes the model (and, for a LoRA view, the base it was loaded with) and the tokenizer. */
  @Override
  public void close() {
    model.close();
    if (model.isAdapter()) {
      model.base().close();
    }
    if (tokenizer instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
