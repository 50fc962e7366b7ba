package io.rlhf4j.djl.io;

import io.rlhf4j.djl.model.ModelConfig;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The Hugging Face architectures rlhf4j reads, one row each: the class name in {@code
 * architectures}, its {@code model_type}, and the block design it maps onto. The one table the
 * config reader and writer consult, so adding a family adds a row here rather than a case to each
 * of their switches.
 *
 * @param name the class name, e.g. {@code Qwen3ForCausalLM}
 * @param modelType its {@code model_type}, e.g. {@code qwen3}
 * @param family the block design
 */
record HfArchitecture(String name, String modelType, ModelConfig.Family family) {
  static final List<HfArchitecture> ALL =
      List.of(
          new HfArchitecture("LlamaForCausalLM", "llama", ModelConfig.Family.LLAMA),
          new HfArchitecture("MistralForCausalLM", "mistral", ModelConfig.Family.LLAMA),
          new HfArchitecture("Qwen2ForCausalLM", "qwen2", ModelConfig.Family.LLAMA),
          new HfArchitecture("Qwen3ForCausalLM", "qwen3", ModelConfig.Family.LLAMA),
          new HfArchitecture("SmolLM3ForCausalLM", "smollm3", ModelConfig.Family.LLAMA),
          new HfArchitecture("Phi3ForCausalLM", "phi3", ModelConfig.Family.LLAMA),
          new HfArchitecture("Gemma2ForCausalLM", "gemma2", ModelConfig.Family.GEMMA),
          new HfArchitecture("Gemma3ForCausalLM", "gemma3_text", ModelConfig.Family.GEMMA),
          new HfArchitecture("GPT2LMHeadModel", "gpt2", ModelConfig.Family.GPT2));

  /** Gemma 3's image-and-text class, whose text model is read as {@code Gemma3ForCausalLM}. */
  static final String GEMMA3_IMAGE_TEXT = "Gemma3ForConditionalGeneration";

  /** The row of class {@code name}. */
  static Optional<HfArchitecture> named(String name) {
    return ALL.stream().filter(a -> a.name.equals(name)).findFirst();
  }

  /** The row of {@code model_type} {@code type}. */
  static Optional<HfArchitecture> ofType(String type) {
    return ALL.stream().filter(a -> a.modelType.equals(type)).findFirst();
  }

  /** Every class name read, for error messages. */
  static String supported() {
    return ALL.stream().map(HfArchitecture::name).collect(Collectors.joining(", "))
        + ", "
        + GEMMA3_IMAGE_TEXT
        + " (its text model)";
  }
}
