package io.rlhf4j.djl.train;

import io.rlhf4j.djl.io.HfWeights;
import io.rlhf4j.djl.io.PeftAdapter;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.io.Safetensors;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint: a Hugging Face model folder (loadable by {@code transformers} as it is),
 * or for a LoRA view a PEFT adapter folder ({@link PeftAdapter}, only the trained matrices and
 * head), plus {@code optimizer.safetensors} (AdamW moments) and {@code trainer_state.json} (stage,
 * step, seed, KL coefficient and whatever else the stage needs to continue exactly).
 *
 * <p>Written to a sibling temporary folder, then swapped in by renames, so a crash at any moment
 * leaves either the previous checkpoint or the new one complete. {@link #load} also recovers the
 * previous checkpoint if a crash fell between the two renames.
 *
 * @param weights canonical model tensors
 * @param optimizer AdamW moments
 * @param state the trainer state
 */
public record Checkpoint(
    Map<String, Tensor> weights, Map<String, Tensor> optimizer, Map<String, Object> state) {
  /** The trainer-state file name. */
  public static final String STATE_FILE = "trainer_state.json";

  /** The optimizer-state file name. */
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";

  /** Writes a checkpoint of {@code model} to {@code folder}, replacing any previous one. */
  public static void save(
      Path folder,
      CausalLm model,
      SavableTokenizer tokenizer,
      AdamW optimizer,
      Map<String, Object> state)
      throws IOException {
    AtomicFiles.replaceFolder(
        folder,
        temp -> {
          if (model.isAdapter()) {
            PeftAdapter.save(model, temp, null);
          } else {
            PretrainedModel.save(model, tokenizer, temp);
          }
          Safetensors.write(temp.resolve(OPTIMIZER_FILE), optimizer.state(), Map.of());
          Map<String, Object> withStep = new LinkedHashMap<>(state);
          withStep.put("optimizer_step", optimizer.stepCount());
          AtomicFiles.writeString(temp.resolve(STATE_FILE), JsonWriter.write(withStep) + "\n");
        });
  }

  /** Whether {@code folder} (or its pre-swap copy) holds a checkpoint. */
  public static boolean exists(Path folder) {
    return Files.exists(AtomicFiles.recovered(folder).resolve(STATE_FILE));
  }

  /**
   * Reads the checkpoint in {@code folder} of a model shaped {@code config}: a full model's, or a
   * LoRA view's adapter.
   */
  public static Checkpoint load(Path folder, io.rlhf4j.djl.model.ModelConfig config) {
    Path dir = AtomicFiles.recovered(folder);
    if (!PeftAdapter.isAdapter(dir)) {
      return load(folder);
    }
    PeftAdapter adapter = PeftAdapter.read(dir, config);
    return new Checkpoint(
        adapter.tensors(),
        Safetensors.read(dir.resolve(OPTIMIZER_FILE)),
        state(dir.resolve(STATE_FILE)));
  }

  /** Reads the full-model checkpoint in {@code folder}. */
  public static Checkpoint load(Path folder) {
    Path dir = AtomicFiles.recovered(folder);
    Map<String, Object> state = state(dir.resolve(STATE_FILE));
    var config = io.rlhf4j.djl.io.HfConfig.read(dir.resolve("config.json"));
    Path file = dir.resolve(HfWeights.SINGLE);
    Map<String, Tensor> weights = new java.util.LinkedHashMap<>();
    try {
      for (Map.Entry<String, io.rlhf4j.djl.tensor.TensorData> e :
          HfWeights.toCanonical(Safetensors.open(file), config, file).entrySet()) {
        weights.put(e.getKey(), e.getValue().materialize());
      }
    } catch (IOException e) {
      throw new ModelFormatException(file, "cannot read: " + e.getMessage(), e);
    }
    return new Checkpoint(weights, Safetensors.read(dir.resolve(OPTIMIZER_FILE)), state);
  }

  private static Map<String, Object> state(Path stateFile) {
    try {
      return Json.parseObject(Files.readString(stateFile));
    } catch (IOException e) {
      throw new ModelFormatException(stateFile, "cannot read: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new ModelFormatException(stateFile, "corrupt: " + e.getMessage(), e);
    }
  }

  /**
   * Refuses to resume a run under another seed: its checkpoint would carry the old run's draws into
   * the new one, and the result would belong to neither.
   */
  public void requireSeed(long seed, Path folder) {
    Object saved = state.get("seed");
    if (saved instanceof Number n && n.longValue() != seed) {
      throw new IllegalArgumentException(
          folder
              + ": this checkpoint was made with seed "
              + n.longValue()
              + ", the run now has seed "
              + seed
              + "; resume with the same seed or start in another folder");
    }
  }

  /** The optimizer step the checkpoint was taken at. */
  public long optimizerStep() {
    return ((Number) state.get("optimizer_step")).longValue();
  }
}
