package io.rlhf4j.djl.io;

import io.rlhf4j.data.json.Json;
import io.rlhf4j.data.json.JsonParseException;
import io.rlhf4j.data.json.JsonWriter;
import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.io.InputFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face {@code config.json} to {@link ModelConfig} and back, for {@code LlamaForCausalLM},
 * {@code MistralForCausalLM}, {@code Qwen2ForCausalLM} and {@code GPT2LMHeadModel}. Settings rlhf4j
 * does not implement (RoPE scaling, biased Llama output projections, other activations) are refused
 * by name rather than silently ignored.
 */
public final class HfConfig {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HfConfig.class);

  private HfConfig() {}

  /** Reads and validates {@code file}. */
  public static ModelConfig read(Path file) {
    Map<String, Object> json;
    try {
      json = Json.parseObject(InputFiles.readUtf8(file));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ModelFormatException(file, "file not found");
    } catch (IOException e) {
      throw new ModelFormatException(file, "cannot read: " + InputFiles.describe(e), e);
    } catch (JsonParseException e) {
      // The position only: an untrusted file's bytes are not echoed back.
      throw new ModelFormatException(file, "invalid JSON at column " + e.column());
    }
    Fields f = new Fields(file, json);
    String architecture = architecture(f);
    try {
      return switch (architecture) {
        case "GPT2LMHeadModel" -> gpt2(f);
        case "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM" -> llama(f, architecture);
        default ->
            throw new ModelFormatException(
                file,
                "unknown architecture '"
                    + architecture
                    + "' (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM,"
                    + " GPT2LMHeadModel)");
      };
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(file, "inconsistent config: " + e.getMessage(), e);
    }
  }

  private static String architecture(Fields f) {
    Object list = f.json.get("architectures");
    if (list instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof String s) {
      return s;
    }
    String type = f.optString("model_type", "");
    return switch (type) {
      case "llama" -> "LlamaForCausalLM";
      case "mistral" -> "MistralForCausalLM";
      case "qwen2" -> "Qwen2ForCausalLM";
      case "gpt2" -> "GPT2LMHeadModel";
      default -> type.isEmpty() ? "(none given)" : type;
    };
  }

  private static ModelConfig llama(Fields f, String architecture) {
    String type =
        switch (architecture) {
          case "MistralForCausalLM" -> "mistral";
          case "Qwen2ForCausalLM" -> "qwen2";
          default -> "llama";
        };
    if (f.json.get("rope_scaling") instanceof Map) {
      throw f.unsupported("rope_scaling", "RoPE scaling is not implemented");
    }
    if (f.optBool("attention_bias", false)) {
      throw f.unsupported("attention_bias", "biased Llama attention projections");
    }
    if (f.optBool("mlp_bias", false)) {
      throw f.unsupported("mlp_bias", "biased Llama MLP projections");
    }
    String act = f.optString("hidden_act", "silu");
    if (!act.equals("silu")) {
      throw f.unsupported("hidden_act", "activation '" + act + "' (only silu)");
    }
    int heads = f.positive("num_attention_heads");
    int hidden = f.positive("hidden_size");
    Object window = f.json.get("sliding_window");
    if (window instanceof Long w
        && w < f.optInt("max_position_embeddings", 2048)
        && f.optBool("use_sliding_window", !type.equals("qwen2"))) {
      LOG.warn(
          "{}: sliding_window {} is not implemented; attention is exact for sequences up to {}"
              + " tokens and full (not windowed) beyond",
          f.file(),
          w,
          w);
    }
    return ModelConfig.llama()
        .modelType(type)
        .vocabSize(f.positive("vocab_size"))
        .hiddenSize(hidden)
        .intermediateSize(f.positive("intermediate_size"))
        .numLayers(f.positive("num_hidden_layers"))
        .numHeads(heads)
        .numKvHeads(f.optPositive("num_key_value_heads", heads))
        .headDim(f.optPositive("head_dim", hidden / heads))
        .maxPositions(f.optPositive("max_position_embeddings", 2048))
        .normEps(f.optDouble("rms_norm_eps", 1e-6))
        .ropeTheta(f.optDouble("rope_theta", 10000))
        .tieEmbeddings(f.optBool("tie_word_embeddings", false))
        .qkvBias(type.equals("qwen2"))
        .bosTokenId(f.optTokenId("bos_token_id"))
        .eosTokenId(f.optTokenId("eos_token_id"))
        .build();
  }

  private static ModelConfig gpt2(Fields f) {
    String act = f.optString("activation_function", "gelu_new");
    if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
      throw f.unsupported("activation_function", "'" + act + "' (only the tanh GELU)");
    }
    int hidden = f.positive("n_embd");
    return ModelConfig.gpt2()
        .vocabSize(f.positive("vocab_size"))
        .hiddenSize(hidden)
        .intermediateSize(f.optPositive("n_inner", (int) Math.min(Integer.MAX_VALUE, 4L * hidden)))
        .numLayers(f.positive("n_layer"))
        .numHeads(f.positive("n_head"))
        .maxPositions(f.positive("n_positions"))
        .normEps(f.optDouble("layer_norm_epsilon", 1e-5))
        .bosTokenId(f.optTokenId("bos_token_id"))
        .eosTokenId(f.optTokenId("eos_token_id"))
        .build();
  }

  /** {@code config.json} text for {@code c}, as {@code save_pretrained} would write it. */
  public static String toJson(ModelConfig c) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (c.family() == ModelConfig.Family.GPT2) {
      m.put("architectures", List.of("GPT2LMHeadModel"));
      m.put("model_type", "gpt2");
      m.put("vocab_size", c.vocabSize());
      m.put("n_embd", c.hiddenSize());
      m.put("n_inner", c.intermediateSize());
      m.put("n_layer", c.numLayers());
      m.put("n_head", c.numHeads());
      m.put("n_positions", c.maxPositions());
      m.put("n_ctx", c.maxPositions());
      m.put("layer_norm_epsilon", c.normEps());
      m.put("activation_function", "gelu_new");
      m.put("resid_pdrop", 0.0);
      m.put("embd_pdrop", 0.0);
      m.put("attn_pdrop", 0.0);
      m.put("tie_word_embeddings", true);
    } else {
      String arch =
          switch (c.modelType()) {
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> "LlamaForCausalLM";
          };
      m.put("architectures", List.of(arch));
      m.put("model_type", c.modelType());
      m.put("vocab_size", c.vocabSize());
      m.put("hidden_size", c.hiddenSize());
      m.put("intermediate_size", c.intermediateSize());
      m.put("num_hidden_layers", c.numLayers());
      m.put("num_attention_heads", c.numHeads());
      m.put("num_key_value_heads", c.numKvHeads());
      m.put("head_dim", c.headDim());
      m.put("max_position_embeddings", c.maxPositions());
      m.put("rms_norm_eps", c.normEps());
      m.put("rope_theta", c.ropeTheta());
      m.put("hidden_act", "silu");
      m.put("tie_word_embeddings", c.tieEmbeddings());
      m.put("attention_dropout", 0.0);
      if (c.modelType().equals("llama")) {
        m.put("attention_bias", false);
        m.put("mlp_bias", false);
      }
    }
    if (c.bosTokenId() >= 0) {
      m.put("bos_token_id", c.bosTokenId());
    }
    if (c.eosTokenId() >= 0) {
      m.put("eos_token_id", c.eosTokenId());
    }
    m.put("torch_dtype", "float32");
    return JsonWriter.write(m) + "\n";
  }

  /** {@code generation_config.json} text for {@code c}. */
  public static String generationConfigJson(ModelConfig c) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (c.bosTokenId() >= 0) {
      m.put("bos_token_id", c.bosTokenId());
    }
    if (c.eosTokenId() >= 0) {
      m.put("eos_token_id", c.eosTokenId());
    }
    m.put("max_length", c.maxPositions());
    return JsonWriter.write(m) + "\n";
  }

  /** Typed access to config fields with errors naming the file and the key. */
  private record Fields(Path file, Map<String, Object> json) {
    // Sizes a model could have: a positive int. Larger or smaller values are refused by name
    // rather than overflowing or dividing by zero somewhere later.
    int positive(String key) {
      Object v = json.get(key);
      if (!(v instanceof Long l)) {
        throw new ModelFormatException(
            file, "field '" + key + "': expected an integer but found " + Json.typeName(v));
      }
      if (l < 1 || l > Integer.MAX_VALUE) {
        throw new ModelFormatException(
            file, "field '" + key + "': " + l + " is not a size (1 to " + Integer.MAX_VALUE + ")");
      }
      return (int) (long) l;
    }

    int optPositive(String key, int fallback) {
      Object v = json.get(key);
      return v == null || v == Json.NULL ? fallback : positive(key);
    }

    int optInt(String key, int fallback) {
      Object v = json.get(key);
      if (v == null || v == Json.NULL) {
        return fallback;
      }
      if (!(v instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
        throw new ModelFormatException(
            file, "field '" + key + "': expected an integer in int range but found " + v);
      }
      return (int) (long) l;
    }

    int optTokenId(String key) {
      Object v = json.get(key);
      if (v instanceof List<?> list && !list.isEmpty()) {
        // Several EOS ids: generation stops on the first.
        if (!(list.get(0) instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) {
          throw new ModelFormatException(
              file, "field '" + key + "': not a token id: " + list.get(0));
        }
        return (int) (long) l;
      }
      int id = optInt(key, -1);
      if (id < -1) {
        throw new ModelFormatException(file, "field '" + key + "': not a token id: " + id);
      }
      return id;
    }

    double optDouble(String key, double fallback) {
      Object v = json.get(key);
      if (v == null || v == Json.NULL) {
        return fallback;
      }
      if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
        throw new ModelFormatException(
            file, "field '" + key + "': expected a finite number but found " + Json.typeName(v));
      }
      return n.doubleValue();
    }

    boolean optBool(String key, boolean fallback) {
      Object v = json.get(key);
      return v instanceof Boolean b ? b : fallback;
    }

    String optString(String key, String fallback) {
      Object v = json.get(key);
      return v instanceof String s ? s : fallback;
    }

    ModelFormatException unsupported(String key, String what) {
      return new ModelFormatException(file, "field '" + key + "': unsupported: " + what);
    }
  }
}
