package io.rlhf4j.djl.io;

import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.Lora;
import io.rlhf4j.djl.model.LoraConfig;
import io.rlhf4j.djl.model.LoraLayout;
import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.internal.json.JsonWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LoRA adapter as PEFT saves one, so Python loads what rlhf4j trains and the other way round: a
 * folder with {@code adapter_config.json} and {@code adapter_model.safetensors}, whose tensors are
 * named {@code base_model.model.<module path>.lora_A.weight} ([r, in]) and {@code ...lora_B.weight}
 * ([out, r]), the adapter name stripped as {@code save_pretrained} strips it. A reward or value
 * model's scalar head is saved as PEFT saves {@code modules_to_save}: {@code
 * base_model.model.score.weight} and {@code .bias}. GPT-2's projections are Conv1D layers, which
 * the config records as {@code fan_in_fan_out}; the adapter matrices themselves keep the same
 * layout.
 *
 * @param config the adapter's configuration
 * @param tensors its parameters under rlhf4j's names ({@link Lora#a}, {@link Lora#b}, {@code
 *     score.*})
 */
public record PeftAdapter(LoraConfig config, Map<String, Tensor> tensors) {
  /** The configuration file. */
  public static final String CONFIG = "adapter_config.json";

  /** The weights file. */
  public static final String WEIGHTS = "adapter_model.safetensors";

  private static final String PREFIX = "base_model.model.";

  /** Whether {@code folder} holds a PEFT adapter. */
  public static boolean isAdapter(Path folder) {
    return Files.isRegularFile(folder.resolve(CONFIG));
  }

  /**
   * Writes {@code view}'s adapter (and head) to {@code folder}.
   *
   * @param baseModel what {@code base_model_name_or_path} should say (the base folder), or null
   */
  public static void save(CausalLm view, Path folder, String baseModel) throws IOException {
    save(view.config(), view.adaptedModules(), view.lora(), view.toTensors(), folder, baseModel);
  }

  /**
   * Writes an adapter given by its parameters (rlhf4j's names) for a model of shape {@code model},
   * e.g. one built by {@link Lora#stack}.
   */
  public static void save(
      ModelConfig model,
      List<LoraLayout.Module> modules,
      LoraConfig c,
      Map<String, Tensor> own,
      Path folder,
      String baseModel)
      throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (LoraLayout.Module m : modules) {
      out.put(PREFIX + m.peftPath() + ".lora_A.weight", own.get(Lora.a(m.name())));
      out.put(PREFIX + m.peftPath() + ".lora_B.weight", own.get(Lora.b(m.name())));
    }
    boolean head = own.containsKey("score.weight");
    if (head) {
      out.put(PREFIX + "score.weight", own.get("score.weight"));
      out.put(PREFIX + "score.bias", own.get("score.bias"));
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("peft_type", "LORA");
    json.put("task_type", head ? "SEQ_CLS" : "CAUSAL_LM");
    json.put("base_model_name_or_path", baseModel);
    json.put("r", c.rank());
    json.put("lora_alpha", c.alpha());
    json.put("lora_dropout", c.dropout());
    json.put(
        "target_modules",
        c.targetModules().contains(LoraConfig.ALL_LINEAR)
            ? LoraConfig.ALL_LINEAR
            : c.targetModules());
    json.put("bias", "none");
    json.put("fan_in_fan_out", model.family() == ModelConfig.Family.GPT2);
    json.put("modules_to_save", head ? List.of("score") : null);
    json.put("init_lora_weights", true);
    json.put("use_rslora", false);
    json.put("use_dora", false);
    json.put("inference_mode", true);
    Files.createDirectories(folder);
    AtomicFiles.writeString(folder.resolve(CONFIG), JsonWriter.write(json) + "\n");
    Safetensors.write(folder.resolve(WEIGHTS), out, Map.of("format", "pt"));
  }

  /**
   * Reads an adapter for a model of shape {@code model}, checking every tensor name and shape.
   *
   * @throws ModelFormatException naming the file and the problem
   */
  public static PeftAdapter read(Path folder, ModelConfig model) {
    Path configFile = folder.resolve(CONFIG);
    Map<String, Object> json = ModelJson.read(configFile);
    if (!"LORA".equals(json.get("peft_type"))) {
      throw new ModelFormatException(
          configFile,
          "field 'peft_type': only LORA adapters are read, found " + json.get("peft_type"));
    }
    for (String unsupported : List.of("use_dora", "use_rslora")) {
      if (Boolean.TRUE.equals(json.get(unsupported))) {
        throw new ModelFormatException(
            configFile, "field '" + unsupported + "': unsupported (plain LoRA only)");
      }
    }
    LoraConfig config;
    try {
      config =
          new LoraConfig(
              integer(configFile, json, "r"),
              number(configFile, json, "lora_alpha"),
              json.get("lora_dropout") instanceof Number d ? d.doubleValue() : 0,
              targets(configFile, json.get("target_modules")),
              0);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(configFile, e.getMessage(), e);
    }
    Path weightsFile = folder.resolve(WEIGHTS);
    Map<String, Tensor> raw = Safetensors.read(weightsFile);
    List<LoraLayout.Module> modules;
    try {
      modules = LoraLayout.targeted(model, config.targetModules());
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(configFile, e.getMessage(), e);
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (LoraLayout.Module m : modules) {
      tensors.put(
          Lora.a(m.name()),
          take(raw, weightsFile, PREFIX + m.peftPath() + ".lora_A.weight", config.rank(), m.in()));
      tensors.put(
          Lora.b(m.name()),
          take(raw, weightsFile, PREFIX + m.peftPath() + ".lora_B.weight", m.out(), config.rank()));
    }
    if (raw.containsKey(PREFIX + "score.weight")) {
      tensors.put(
          "score.weight", take(raw, weightsFile, PREFIX + "score.weight", 1, model.hiddenSize()));
      tensors.put("score.bias", take(raw, weightsFile, PREFIX + "score.bias", 1));
    }
    if (!raw.isEmpty()) {
      throw ModelFormatException.tensor(
          weightsFile, raw.keySet().iterator().next(), "not a tensor of this adapter");
    }
    return new PeftAdapter(config, tensors);
  }

  private static Tensor take(Map<String, Tensor> raw, Path file, String name, long... shape) {
    Tensor t = raw.remove(name);
    if (t == null) {
      throw ModelFormatException.tensor(file, name, "missing");
    }
    if (!java.util.Arrays.equals(t.shape(), shape)) {
      throw ModelFormatException.tensor(
          file,
          name,
          "has shape "
              + t.shapeString()
              + " but the model and adapter config imply "
              + java.util.Arrays.toString(shape));
    }
    return t;
  }

  private static List<String> targets(Path file, Object value) {
    if (value instanceof String s) {
      return List.of(s);
    }
    if (value instanceof List<?> list) {
      List<String> out = new ArrayList<>();
      for (Object o : list) {
        out.add(String.valueOf(o));
      }
      return out;
    }
    throw new ModelFormatException(file, "field 'target_modules': expected a list of names");
  }

  private static int integer(Path file, Map<String, Object> json, String key) {
    if (json.get(key) instanceof Long l && l > 0 && l <= Integer.MAX_VALUE) {
      return (int) (long) l;
    }
    throw new ModelFormatException(file, "field '" + key + "': expected a positive integer");
  }

  private static double number(Path file, Map<String, Object> json, String key) {
    if (json.get(key) instanceof Number n) {
      return n.doubleValue();
    }
    throw new ModelFormatException(file, "field '" + key + "': expected a number");
  }
}
