package io.rlhf4j.djl.io;

import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.djl.tensor.TensorData;
import io.rlhf4j.djl.tensor.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Hugging Face checkpoint tensors to canonical names ({@link io.rlhf4j.djl.model.ParameterLayout})
 * and back. Llama-family names map one to one; GPT-2's Conv1D weights are stored [in, out] and its
 * attention fuses q, k and v into one {@code c_attn}, so they are transposed and split here.
 */
public final class HfWeights {
  /** A single-file checkpoint. */
  public static final String SINGLE = "model.safetensors";

  /** The index of a sharded checkpoint. */
  public static final String INDEX = "model.safetensors.index.json";

  private HfWeights() {}

  /** Reads the raw tensors of {@code folder}: {@code model.safetensors} or its sharded index. */
  public static Map<String, TensorData> readRaw(Path folder) {
    Path single = folder.resolve(SINGLE);
    if (Files.exists(single)) {
      return Safetensors.open(single);
    }
    Path index = folder.resolve(INDEX);
    if (!Files.exists(index)) {
      throw new ModelFormatException(folder, "no " + SINGLE + " and no " + INDEX);
    }
    Map<String, Object> map = ModelJson.read(index);
    if (!(map.get("weight_map") instanceof Map<?, ?> weightMap)) {
      throw new ModelFormatException(index, "field 'weight_map' is missing");
    }
    Map<String, String> shardOf = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : weightMap.entrySet()) {
      if (!(e.getValue() instanceof String shard)) {
        throw new ModelFormatException(
            index, "field 'weight_map': the shard of '" + e.getKey() + "' is not a file name");
      }
      shardOf.put(String.valueOf(e.getKey()), shard);
    }
    Map<String, TensorData> all = new LinkedHashMap<>();
    for (String shard : new TreeSet<>(shardOf.values())) {
      Path shardFile = insideFolder(folder, shard, index);
      Map<String, TensorData> tensors = Safetensors.open(shardFile);
      for (Map.Entry<String, String> e : shardOf.entrySet()) {
        if (shard.equals(e.getValue())) {
          TensorData t = tensors.get(e.getKey());
          if (t == null) {
            throw ModelFormatException.tensor(
                shardFile, e.getKey(), "listed in " + INDEX + " but absent");
          }
          all.put(e.getKey(), t);
        }
      }
    }
    return all;
  }

  /**
   * A shard named by the index, which must lie inside the model folder: a downloaded folder could
   * otherwise make the loader read any file on the machine. The check is on the names (no absolute
   * path, nothing that climbs out with ".."), so symbolic links inside the folder, which the
   * Hugging Face cache uses for every file, stay allowed.
   */
  static Path insideFolder(Path folder, String shard, Path index) {
    Path name;
    try {
      name = Path.of(shard);
    } catch (java.nio.file.InvalidPathException e) {
      throw new ModelFormatException(index, "shard name is not a file name");
    }
    Path root = folder.toAbsolutePath().normalize();
    Path resolved = root.resolve(name).normalize();
    if (shard.isEmpty() || name.isAbsolute() || !resolved.startsWith(root)) {
      throw new ModelFormatException(
          index,
          "a shard must be a file inside the model folder, but one is named '" + shard + "'");
    }
    return resolved;
  }

  /** Hugging Face names and layouts to canonical ones; unknown tensors are reported. */
  public static Map<String, TensorData> toCanonical(
      Map<String, ? extends TensorData> hf, ModelConfig c, Path source) {
    return c.family() == ModelConfig.Family.GPT2
        ? gpt2ToCanonical(hf, c, source)
        : llamaToCanonical(hf, c, source);
  }

  /** Canonical names and layouts to Hugging Face ones, as {@code save_pretrained} writes them. */
  public static Map<String, TensorData> fromCanonical(
      Map<String, ? extends TensorData> canonical, ModelConfig c) {
    Map<String, TensorData> out = new LinkedHashMap<>();
    for (Map.Entry<String, ? extends TensorData> e : canonical.entrySet()) {
      if (c.family() == ModelConfig.Family.GPT2) {
        gpt2FromCanonical(e.getKey(), e.getValue(), canonical, out);
      } else if (c.modelType().equals("phi3") && phi3Fused(e.getKey(), canonical, out)) {
        continue;
      } else {
        out.put(llamaName(e.getKey(), gemma(c)), e.getValue());
      }
    }
    return out;
  }

  // ---- Llama family -----------------------------------------------------------------------------

  private static Map<String, TensorData> llamaToCanonical(
      Map<String, ? extends TensorData> hf, ModelConfig c, Path source) {
    boolean tied = c.tieEmbeddings();
    Map<String, TensorData> out = new LinkedHashMap<>();
    for (Map.Entry<String, ? extends TensorData> e : hf.entrySet()) {
      String name = gemma(c) ? gemmaTextName(e.getKey()) : e.getKey();
      if (name == null) {
        continue; // a Gemma 3 image-and-text checkpoint's vision tower: only the text model loads
      }
      if (c.modelType().equals("phi3") && splitPhi3(name, e.getValue(), c, source, out)) {
        continue;
      }
      if (name.endsWith("rotary_emb.inv_freq")) {
        continue; // a buffer some old checkpoints saved; recomputed
      }
      if (tied && name.equals("lm_head.weight")) {
        // Some exports of tied models write the head too; transformers ties it to the
        // embedding and never reads it, and so does rlhf4j.
        continue;
      }
      out.put(canonicalLlamaName(name, source, gemma(c)), e.getValue());
    }
    return out;
  }

  // Phi-3's fused projections, split into the canonical q, k, v and gate, up by row blocks.
  private static boolean splitPhi3(
      String name, TensorData t, ModelConfig c, Path source, Map<String, TensorData> out) {
    boolean qkv = name.endsWith(".self_attn.qkv_proj.weight");
    boolean gateUp = name.endsWith(".mlp.gate_up_proj.weight");
    if (!qkv && !gateUp) {
      return false;
    }
    String layer = "layers." + name.split("\\.")[2] + ".";
    long d = c.hiddenSize();
    if (qkv) {
      checkShape(source, name, t, c.qDim() + 2L * c.kvDim(), d);
      out.put(layer + "attn.q.weight", Tensors.rows(t, 0, c.qDim()));
      out.put(layer + "attn.k.weight", Tensors.rows(t, c.qDim(), c.kvDim()));
      out.put(layer + "attn.v.weight", Tensors.rows(t, c.qDim() + c.kvDim(), c.kvDim()));
    } else {
      long ff = c.intermediateSize();
      checkShape(source, name, t, 2 * ff, d);
      out.put(layer + "mlp.gate.weight", Tensors.rows(t, 0, ff));
      out.put(layer + "mlp.up.weight", Tensors.rows(t, ff, ff));
    }
    return true;
  }

  // Gemma's post_attention_layernorm normalises the attention's output; Llama's (the same name)
  // normalises the MLP's input.
  private static boolean gemma(ModelConfig c) {
    return c.family() == ModelConfig.Family.GEMMA;
  }

  // Gemma 3's image-and-text checkpoints keep the text model under language_model
  // (transformers 4.50: language_model.model.*, language_model.lm_head; later:
  // model.language_model.*); null for the vision tower and its projector.
  private static String gemmaTextName(String name) {
    if (name.startsWith("vision_tower.")
        || name.startsWith("multi_modal_projector.")
        || name.startsWith("model.vision_tower.")
        || name.startsWith("model.multi_modal_projector.")) {
      return null;
    }
    if (name.startsWith("language_model.model.")) {
      return "model." + name.substring("language_model.model.".length());
    }
    if (name.startsWith("model.language_model.")) {
      return "model." + name.substring("model.language_model.".length());
    }
    if (name.equals("language_model.lm_head.weight")) {
      return "lm_head.weight";
    }
    return name;
  }

  private static String canonicalLlamaName(String hf, Path source, boolean gemma) {
    if (hf.equals("model.embed_tokens.weight")) {
      return "embed.weight";
    } else if (hf.equals("model.norm.weight")) {
      return "norm.weight";
    } else if (hf.equals("lm_head.weight") || hf.startsWith("score.")) {
      return hf;
    } else if (hf.startsWith("model.layers.")) {
      String rest = hf.substring("model.layers.".length());
      int dot = rest.indexOf('.');
      String layer = rest.substring(0, dot);
      String part = rest.substring(dot + 1);
      String mapped =
          switch (part) {
            case "input_layernorm.weight" -> "attn_norm.weight";
            case "post_attention_layernorm.weight" ->
                gemma ? "attn_post_norm.weight" : "mlp_norm.weight";
            case "pre_feedforward_layernorm.weight" -> gemma ? "mlp_norm.weight" : null;
            case "post_feedforward_layernorm.weight" -> gemma ? "mlp_post_norm.weight" : null;
            case "self_attn.q_proj.weight" -> "attn.q.weight";
            case "self_attn.q_proj.bias" -> "attn.q.bias";
            case "self_attn.k_proj.weight" -> "attn.k.weight";
            case "self_attn.k_proj.bias" -> "attn.k.bias";
            case "self_attn.v_proj.weight" -> "attn.v.weight";
            case "self_attn.v_proj.bias" -> "attn.v.bias";
            case "self_attn.o_proj.weight" -> "attn.o.weight";
            case "self_attn.q_norm.weight" -> "attn.q_norm.weight";
            case "self_attn.k_norm.weight" -> "attn.k_norm.weight";
            case "mlp.gate_proj.weight" -> "mlp.gate.weight";
            case "mlp.up_proj.weight" -> "mlp.up.weight";
            case "mlp.down_proj.weight" -> "mlp.down.weight";
            default -> null;
          };
      if (mapped != null) {
        return "layers." + layer + "." + mapped;
      }
    }
    throw ModelFormatException.tensor(source, hf, "not a tensor of this architecture");
  }

  // Phi-3 writes q, k, v as one qkv_proj and gate, up as one gate_up_proj; true when `name` went
  // into (or comes with) one of those.
  private static boolean phi3Fused(
      String name, Map<String, ? extends TensorData> all, Map<String, TensorData> out) {
    if (!name.startsWith("layers.")) {
      return false;
    }
    String layer = name.substring(0, name.indexOf('.', "layers.".length()) + 1);
    String hf = "model." + layer;
    switch (name.substring(layer.length())) {
      case "attn.q.weight" ->
          out.put(
              hf + "self_attn.qkv_proj.weight",
              Tensors.concatRows(
                  List.of(
                      all.get(name),
                      all.get(layer + "attn.k.weight"),
                      all.get(layer + "attn.v.weight"))));
      case "mlp.gate.weight" ->
          out.put(
              hf + "mlp.gate_up_proj.weight",
              Tensors.concatRows(List.of(all.get(name), all.get(layer + "mlp.up.weight"))));
      case "attn.k.weight", "attn.v.weight", "mlp.up.weight" -> {
        // written inside the fused tensor above
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  private static String llamaName(String canonical, boolean gemma) {
    if (canonical.equals("embed.weight")) {
      return "model.embed_tokens.weight";
    } else if (canonical.equals("norm.weight")) {
      return "model.norm.weight";
    } else if (!canonical.startsWith("layers.")) {
      return canonical;
    }
    String rest = canonical.substring("layers.".length());
    int dot = rest.indexOf('.');
    String part =
        switch (rest.substring(dot + 1)) {
          case "attn_norm.weight" -> "input_layernorm.weight";
          case "mlp_norm.weight" ->
              gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight";
          case "attn_post_norm.weight" -> "post_attention_layernorm.weight";
          case "mlp_post_norm.weight" -> "post_feedforward_layernorm.weight";
          case "mlp.gate.weight" -> "mlp.gate_proj.weight";
          case "mlp.up.weight" -> "mlp.up_proj.weight";
          case "mlp.down.weight" -> "mlp.down_proj.weight";
          case "attn.q_norm.weight" -> "self_attn.q_norm.weight";
          case "attn.k_norm.weight" -> "self_attn.k_norm.weight";
          default -> {
            String p = rest.substring(dot + 1); // attn.q.weight -> self_attn.q_proj.weight
            yield "self_attn." + p.charAt(5) + "_proj" + p.substring(6);
          }
        };
    return "model.layers." + rest.substring(0, dot) + "." + part;
  }

  // ---- GPT-2 ------------------------------------------------------------------------------------

  private static Map<String, TensorData> gpt2ToCanonical(
      Map<String, ? extends TensorData> hf, ModelConfig c, Path source) {
    Map<String, TensorData> out = new LinkedHashMap<>();
    int d = c.hiddenSize();
    for (Map.Entry<String, ? extends TensorData> e : hf.entrySet()) {
      String name = e.getKey().startsWith("transformer.") ? e.getKey().substring(12) : e.getKey();
      TensorData t = e.getValue();
      if (name.endsWith(".attn.bias") && t.shape().length == 4
          || name.endsWith(".attn.masked_bias")) {
        continue; // causal-mask buffers of old checkpoints
      }
      if (name.equals("lm_head.weight")) {
        continue; // tied to wte in GPT-2
      }
      if (name.startsWith("score.")) {
        out.put(name, t);
        continue;
      }
      switch (name) {
        case "wte.weight" -> out.put("embed.weight", t);
        case "wpe.weight" -> out.put("pos_embed.weight", t);
        case "ln_f.weight" -> out.put("norm.weight", t);
        case "ln_f.bias" -> out.put("norm.bias", t);
        default -> {
          if (!name.startsWith("h.")) {
            throw ModelFormatException.tensor(source, e.getKey(), "not a tensor of GPT-2");
          }
          String rest = name.substring(2);
          int dot = rest.indexOf('.');
          String p = "layers." + rest.substring(0, dot) + ".";
          String part = rest.substring(dot + 1);
          switch (part) {
            case "ln_1.weight" -> out.put(p + "attn_norm.weight", t);
            case "ln_1.bias" -> out.put(p + "attn_norm.bias", t);
            case "ln_2.weight" -> out.put(p + "mlp_norm.weight", t);
            case "ln_2.bias" -> out.put(p + "mlp_norm.bias", t);
            case "attn.c_attn.weight" -> {
              checkShape(source, e.getKey(), t, d, 3L * d);
              TensorData w = Tensors.transposed(t); // [3D, D]
              out.put(p + "attn.q.weight", Tensors.rows(w, 0, d));
              out.put(p + "attn.k.weight", Tensors.rows(w, d, d));
              out.put(p + "attn.v.weight", Tensors.rows(w, 2L * d, d));
            }
            case "attn.c_attn.bias" -> {
              checkShape(source, e.getKey(), t, 3L * d);
              out.put(p + "attn.q.bias", Tensors.rows(t, 0, d));
              out.put(p + "attn.k.bias", Tensors.rows(t, d, d));
              out.put(p + "attn.v.bias", Tensors.rows(t, 2L * d, d));
            }
            case "attn.c_proj.weight" -> out.put(p + "attn.o.weight", Tensors.transposed(t));
            case "attn.c_proj.bias" -> out.put(p + "attn.o.bias", t);
            case "mlp.c_fc.weight" -> out.put(p + "mlp.up.weight", Tensors.transposed(t));
            case "mlp.c_fc.bias" -> out.put(p + "mlp.up.bias", t);
            case "mlp.c_proj.weight" -> out.put(p + "mlp.down.weight", Tensors.transposed(t));
            case "mlp.c_proj.bias" -> out.put(p + "mlp.down.bias", t);
            default ->
                throw ModelFormatException.tensor(source, e.getKey(), "not a tensor of GPT-2");
          }
        }
      }
    }
    return out;
  }

  private static void gpt2FromCanonical(
      String name,
      TensorData t,
      Map<String, ? extends TensorData> all,
      Map<String, TensorData> out) {
    switch (name) {
      case "embed.weight" -> out.put("transformer.wte.weight", t);
      case "pos_embed.weight" -> out.put("transformer.wpe.weight", t);
      case "norm.weight" -> out.put("transformer.ln_f.weight", t);
      case "norm.bias" -> out.put("transformer.ln_f.bias", t);
      default -> {
        if (name.startsWith("score.")) {
          out.put(name, t);
          return;
        }
        String rest = name.substring("layers.".length());
        int dot = rest.indexOf('.');
        String p = "transformer.h." + rest.substring(0, dot) + ".";
        String layer = "layers." + rest.substring(0, dot) + ".";
        switch (rest.substring(dot + 1)) {
          case "attn_norm.weight" -> out.put(p + "ln_1.weight", t);
          case "attn_norm.bias" -> out.put(p + "ln_1.bias", t);
          case "mlp_norm.weight" -> out.put(p + "ln_2.weight", t);
          case "mlp_norm.bias" -> out.put(p + "ln_2.bias", t);
          case "attn.q.weight" ->
              out.put(
                  p + "attn.c_attn.weight",
                  Tensors.transposed(
                      Tensors.concatRows(
                          List.of(
                              t,
                              all.get(layer + "attn.k.weight"),
                              all.get(layer + "attn.v.weight")))));
          case "attn.q.bias" ->
              out.put(
                  p + "attn.c_attn.bias",
                  Tensors.concatRows(
                      List.of(t, all.get(layer + "attn.k.bias"), all.get(layer + "attn.v.bias"))));
          case "attn.o.weight" -> out.put(p + "attn.c_proj.weight", Tensors.transposed(t));
          case "attn.o.bias" -> out.put(p + "attn.c_proj.bias", t);
          case "mlp.up.weight" -> out.put(p + "mlp.c_fc.weight", Tensors.transposed(t));
          case "mlp.up.bias" -> out.put(p + "mlp.c_fc.bias", t);
          case "mlp.down.weight" -> out.put(p + "mlp.c_proj.weight", Tensors.transposed(t));
          case "mlp.down.bias" -> out.put(p + "mlp.c_proj.bias", t);
          default -> {
            // k and v are written inside c_attn together with q
          }
        }
      }
    }
  }

  private static void checkShape(Path source, String name, TensorData t, long... shape) {
    if (!java.util.Arrays.equals(t.shape(), shape)) {
      throw ModelFormatException.tensor(
          source,
          name,
          "has shape "
              + t.shapeString()
              + " but the config implies "
              + java.util.Arrays.toString(shape));
    }
  }
}
