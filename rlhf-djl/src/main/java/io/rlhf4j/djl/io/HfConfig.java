package io.rlhf4j.djl.io;

import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.model.RopeScaling;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face {@code config.json} to {@link ModelConfig} and back, for the architectures of {@link
 * HfArchitecture}. Settings rlhf4j does not implement (RoPE scaling, biased Llama output
 * projections, other activations) are refused by name rather than silently ignored.
 */
public final class HfConfig {

  private HfConfig() {}

  /** Reads and validates {@code file}. */
  public static ModelConfig read(Path file) {
    Map<String, Object> json = ModelJson.read(file);
    Fields f = new Fields(file, json);
    String architecture = architecture(f);
    try {
      if (architecture.equals(HfArchitecture.GEMMA3_IMAGE_TEXT)) {
        return gemma(textConfig(f), HfArchitecture.named("Gemma3ForCausalLM").orElseThrow());
      }
      HfArchitecture a =
          HfArchitecture.named(architecture)
              .orElseThrow(
                  () ->
                      new ModelFormatException(
                          file,
                          "unknown architecture '"
                              + architecture
                              + "' (supported: "
                              + HfArchitecture.supported()
                              + ")"));
      return switch (a.family()) {
        case GPT2 -> gpt2(f);
        case LLAMA -> llama(f, a.modelType());
        case GEMMA -> gemma(f, a);
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
    return HfArchitecture.ofType(type)
        .map(HfArchitecture::name)
        .orElse(type.isEmpty() ? "(none given)" : type);
  }

  private static ModelConfig llama(Fields f, String type) {
    if (f.optBool("attention_bias", false) && !type.equals("qwen2")) {
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
    ModelConfig.Builder b = ModelConfig.llama();
    // Mistral and Phi-3 window every layer's attention when sliding_window is set (Phi-3-mini-4k:
    // 2047); Qwen2 and Qwen3 window only the layers from max_window_layers on (or as layer_types
    // says), and only with use_sliding_window (false in every Qwen2.5 and Qwen3 release).
    if ((type.equals("mistral") || type.equals("phi3"))
        && f.json.get("sliding_window") != null
        && f.json.get("sliding_window") != Json.NULL) {
      b.slidingWindow(f.positive("sliding_window"));
    }
    if (type.startsWith("qwen") && f.optBool("use_sliding_window", false)) {
      int layers = f.positive("num_hidden_layers");
      List<Integer> global =
          fullAttentionLayers(f, layers)
              .orElseGet(
                  () -> {
                    int first = f.optPositive("max_window_layers", 28);
                    List<Integer> out = new java.util.ArrayList<>();
                    for (int i = 0; i < Math.min(first, layers); i++) {
                      out.add(i);
                    }
                    return out;
                  });
      if (global.size() < layers) {
        b.slidingWindow(f.positive("sliding_window")).globalLayers(global);
      }
    }
    if (type.equals("smollm3") && f.optBool("use_sliding_window", false)) {
      throw f.unsupported("use_sliding_window", "true (SmolLM3's windowed layers)");
    }
    double rotary = f.optDouble("partial_rotary_factor", 1.0);
    if (!(rotary > 0 && rotary <= 1)) {
      throw f.unsupported("partial_rotary_factor", rotary + " (must be in (0, 1])");
    }
    b.rotaryFraction(rotary);
    rope(f, b);
    return b.modelType(type)
        .vocabSize(f.positive("vocab_size"))
        .hiddenSize(hidden)
        .intermediateSize(f.positive("intermediate_size"))
        .numLayers(f.positive("num_hidden_layers"))
        .numHeads(heads)
        .numKvHeads(f.optPositive("num_key_value_heads", heads))
        .headDim(f.optPositive("head_dim", hidden / heads))
        .maxPositions(f.optPositive("max_position_embeddings", 2048))
        .normEps(f.optDouble("rms_norm_eps", 1e-6))
        .tieEmbeddings(f.optBool("tie_word_embeddings", false))
        .qkvBias(type.equals("qwen2"))
        .qkNorm(type.equals("qwen3"))
        .noRopeLayers(noRopeLayers(f))
        .bosTokenId(f.optTokenId("bos_token_id"))
        .eosTokenId(f.optTokenId("eos_token_id"))
        .build();
  }

  /**
   * RoPE's base and scaling, from either layout: transformers 4 writes a top-level {@code
   * rope_theta} and an optional {@code rope_scaling} map; transformers 5 writes both inside {@code
   * rope_parameters} and no top-level {@code rope_theta}. Reading only the first layout gave a v5
   * Qwen2 folder RoPE base 10,000 instead of 1,000,000.
   */
  private static void rope(Fields f, ModelConfig.Builder b) {
    String key =
        f.json.get("rope_parameters") instanceof Map<?, ?>
            ? "rope_parameters"
            : f.json.get("rope_scaling") instanceof Map<?, ?> ? "rope_scaling" : null;
    Map<?, ?> p = key == null ? Map.of() : (Map<?, ?>) f.json.get(key);
    double theta = f.optDouble("rope_theta", Double.NaN);
    if (p.get("rope_theta") != null) {
      double inner = f.number(key, p, "rope_theta");
      if (!Double.isNaN(theta) && theta != inner) {
        throw f.unsupported(key, "rope_theta " + inner + " differs from the top-level " + theta);
      }
      theta = inner;
    }
    b.ropeTheta(Double.isNaN(theta) ? 10000 : theta);
    if (key == null) {
      return;
    }
    for (Object v : p.values()) {
      if (v instanceof Map<?, ?>) {
        throw f.unsupported(key, "RoPE parameters per layer type");
      }
    }
    Object named = p.get("rope_type") != null ? p.get("rope_type") : p.get("type");
    String type = named instanceof String t ? t : "default";
    switch (type) {
      case "default" -> {}
      case "longrope", "su" -> b.ropeScaling(longrope(f, key, p));
      case "linear" -> b.ropeScaling(RopeScaling.linear(f.number(key, p, "factor")));
      case "llama3" ->
          b.ropeScaling(
              RopeScaling.llama3(
                  f.number(key, p, "factor"),
                  f.number(key, p, "low_freq_factor"),
                  f.number(key, p, "high_freq_factor"),
                  (int) f.number(key, p, "original_max_position_embeddings")));
      default ->
          throw f.unsupported(
              key, "RoPE type '" + type + "' (implemented: default, linear, llama3, longrope)");
    }
  }

  /**
   * Phi-3's LongRoPE ({@code su} in its first configs): one short and one long factor per rotated
   * frequency, the original context from the top level (Phi-3.5, Phi-4-mini) or the map.
   */
  private static RopeScaling longrope(Fields f, String key, Map<?, ?> p) {
    int max = f.optPositive("max_position_embeddings", 2048);
    int original =
        f.json.get("original_max_position_embeddings") != null
            ? f.positive("original_max_position_embeddings")
            : (int) f.number(key, p, "original_max_position_embeddings");
    int heads = f.positive("num_attention_heads");
    int headDim = f.optPositive("head_dim", f.positive("hidden_size") / heads);
    int rotated = (int) (headDim * f.optDouble("partial_rotary_factor", 1.0));
    List<Double> shortFactor = f.numbers(key, p, "short_factor", rotated / 2);
    List<Double> longFactor = f.numbers(key, p, "long_factor", rotated / 2);
    double attention =
        p.get("attention_factor") == null || p.get("attention_factor") == Json.NULL
            ? Double.NaN
            : f.number(key, p, "attention_factor");
    return RopeScaling.longrope(shortFactor, longFactor, original, max, attention);
  }

  /**
   * Gemma 2 and Gemma 3 text models ({@code modeling_gemma2.py}, {@code modeling_gemma3.py}): local
   * (sliding-window) and global layers, from {@code layer_types} or, in older configs, Gemma 2's
   * alternation and Gemma 3's {@code sliding_window_pattern}; Gemma 3's local layers have their own
   * unscaled RoPE base. Defaults are transformers' for fields a config leaves out.
   */
  private static ModelConfig gemma(Fields f, HfArchitecture architecture) {
    boolean three = architecture.modelType().equals("gemma3_text");
    String act = f.optString("hidden_activation", "gelu_pytorch_tanh");
    if (!act.equals("gelu_pytorch_tanh")) {
      throw f.unsupported("hidden_activation", "'" + act + "' (only gelu_pytorch_tanh)");
    }
    if (f.optBool("attention_bias", false)) {
      throw f.unsupported("attention_bias", "biased Gemma attention projections");
    }
    if (f.optBool("use_bidirectional_attention", false)) {
      throw f.unsupported("use_bidirectional_attention", "true (an embedding model)");
    }
    int heads = f.positive("num_attention_heads");
    int layers = f.positive("num_hidden_layers");
    ModelConfig.Builder b = ModelConfig.gemma().modelType(architecture.modelType());
    int window = f.optPositive("sliding_window", 4096);
    List<Integer> global = new java.util.ArrayList<>();
    java.util.Optional<List<Integer>> typed = fullAttentionLayers(f, layers);
    if (typed.isPresent()) {
      global.addAll(typed.get());
    } else {
      // transformers before layer_types: Gemma 2 windows the even layers; Gemma 3 makes every
      // pattern-th layer global.
      int pattern =
          !three
              ? 2
              : f.json.containsKey("_sliding_window_pattern")
                  ? f.positive("_sliding_window_pattern")
                  : f.optPositive("sliding_window_pattern", 6);
      for (int i = 0; i < layers; i++) {
        if ((i + 1) % pattern == 0) {
          global.add(i);
        }
      }
    }
    b.slidingWindow(window).globalLayers(global);
    Fields ropeFields = f;
    if (f.json.get("rope_parameters") instanceof Map<?, ?> rp
        && rp.get("full_attention") instanceof Map<?, ?> full) {
      // transformers 5: RoPE per layer type; the local one must be plain.
      Map<String, Object> json = new LinkedHashMap<>(f.json);
      json.put("rope_parameters", full);
      ropeFields = new Fields(f.file, json);
      if (rp.get("sliding_attention") instanceof Map<?, ?> sliding) {
        Object type = sliding.get("rope_type");
        if (type != null && !"default".equals(type)) {
          throw f.unsupported(
              "rope_parameters", "sliding_attention RoPE type '" + type + "' (only default)");
        }
        b.localRopeTheta(f.number("rope_parameters.sliding_attention", sliding, "rope_theta"));
      }
    } else if (three) {
      b.localRopeTheta(f.optDouble("rope_local_base_freq", 10000));
    }
    if (three
        && !ropeFields.json.containsKey("rope_theta")
        && !(ropeFields.json.get("rope_parameters") instanceof Map<?, ?>)) {
      rope(withTheta(ropeFields, 1_000_000), b); // Gemma3TextConfig's default base
    } else {
      rope(ropeFields, b);
    }
    return b.vocabSize(f.positive("vocab_size"))
        .hiddenSize(f.positive("hidden_size"))
        .intermediateSize(f.positive("intermediate_size"))
        .numLayers(layers)
        .numHeads(heads)
        .numKvHeads(f.optPositive("num_key_value_heads", heads))
        .headDim(f.optPositive("head_dim", 256))
        .maxPositions(f.optPositive("max_position_embeddings", three ? 131072 : 8192))
        .normEps(f.optDouble("rms_norm_eps", 1e-6))
        .tieEmbeddings(f.optBool("tie_word_embeddings", true))
        .qkNorm(three)
        .queryPreAttnScalar(f.optDouble("query_pre_attn_scalar", 256))
        .attnSoftcap(softcap(f, "attn_logit_softcapping", three ? 0 : 50))
        .finalSoftcap(softcap(f, "final_logit_softcapping", three ? 0 : 30))
        .bosTokenId(f.optTokenId("bos_token_id"))
        .eosTokenId(f.optTokenId("eos_token_id"))
        .build();
  }

  /**
   * The text model of a Gemma 3 image-and-text checkpoint (4B to 27B): its {@code text_config},
   * with the special ids of the top level where the text config has none, and Gemma3TextConfig's
   * defaults for the keys these configs leave out (the released ones omit heads, vocabulary and
   * more). The vision tower is not loaded; the model saves as {@code Gemma3ForCausalLM}.
   */
  private static Fields textConfig(Fields f) {
    if (!(f.json.get("text_config") instanceof Map<?, ?> text)) {
      throw new ModelFormatException(f.file, "field 'text_config': missing or not an object");
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("model_type", "gemma3_text");
    json.put("vocab_size", 262_208L);
    json.put("hidden_size", 2304L);
    json.put("intermediate_size", 9216L);
    json.put("num_hidden_layers", 26L);
    json.put("num_attention_heads", 8L);
    json.put("num_key_value_heads", 4L);
    json.put("head_dim", 256L);
    json.put("max_position_embeddings", 131_072L);
    json.put("rope_theta", 1_000_000.0);
    json.put("sliding_window", 4096L);
    for (String key : List.of("bos_token_id", "eos_token_id", "pad_token_id")) {
      if (f.json.containsKey(key)) {
        json.put(key, f.json.get(key));
      }
    }
    text.forEach((k, v) -> json.put(String.valueOf(k), v));
    return new Fields(f.file, json);
  }

  /**
   * The layers {@code layer_types} (transformers 4.53 and later) marks {@code full_attention}, the
   * others being {@code sliding_attention}; empty when the config has no such list.
   */
  private static java.util.Optional<List<Integer>> fullAttentionLayers(Fields f, int layers) {
    if (!(f.json.get("layer_types") instanceof List<?> types)) {
      return java.util.Optional.empty();
    }
    if (types.size() != layers) {
      throw f.unsupported("layer_types", types.size() + " entries for " + layers + " layers");
    }
    List<Integer> global = new java.util.ArrayList<>();
    for (int i = 0; i < layers; i++) {
      Object t = types.get(i);
      if ("full_attention".equals(t)) {
        global.add(i);
      } else if (!"sliding_attention".equals(t)) {
        throw f.unsupported("layer_types", "entry " + i + " is '" + t + "'");
      }
    }
    return java.util.Optional.of(global);
  }

  // One entry per layer, as transformers 4.53 and later write it.
  private static List<String> layerTypes(ModelConfig c) {
    List<String> types = new java.util.ArrayList<>();
    for (int i = 0; i < c.numLayers(); i++) {
      types.add(c.windowed(i) ? "sliding_attention" : "full_attention");
    }
    return types;
  }

  private static Fields withTheta(Fields f, double theta) {
    Map<String, Object> json = new LinkedHashMap<>(f.json);
    json.put("rope_theta", theta);
    return new Fields(f.file, json);
  }

  // A soft cap: absent means the family's default, null means none (0).
  private static double softcap(Fields f, String key, double fallback) {
    if (!f.json.containsKey(key)) {
      return fallback;
    }
    double v = f.optDouble(key, 0);
    if (v < 0) {
      throw f.unsupported(key, v + " (must be positive)");
    }
    return v;
  }

  /**
   * SmolLM3's {@code no_rope_layers}: one entry per layer, 1 where the layer uses RoPE and 0 where
   * it has none (transformers: {@code self.use_rope = config.no_rope_layers[layer_idx]}).
   */
  private static List<Integer> noRopeLayers(Fields f) {
    if (!(f.json.get("no_rope_layers") instanceof List<?> flags)) {
      return List.of();
    }
    int layers = f.positive("num_hidden_layers");
    if (flags.size() != layers) {
      throw f.unsupported("no_rope_layers", flags.size() + " entries for " + layers + " layers");
    }
    List<Integer> out = new java.util.ArrayList<>();
    for (int i = 0; i < layers; i++) {
      Object v = flags.get(i);
      if (!(v instanceof Long flag) || (flag != 0 && flag != 1)) {
        throw f.unsupported("no_rope_layers", "entry " + i + " is not 0 or 1");
      }
      if (flag == 0) {
        out.add(i);
      }
    }
    return out;
  }

  private static ModelConfig gpt2(Fields f) {
    String act = f.optString("activation_function", "gelu_new");
    if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
      throw f.unsupported("activation_function", "'" + act + "' (only the tanh GELU)");
    }
    // Settings that change GPT-2's maths and that rlhf4j does not implement: refused by name (they
    // were read past, so such a checkpoint computed something else, 0.6 to 11 nats off).
    if (!f.optBool("tie_word_embeddings", true)) {
      throw f.unsupported("tie_word_embeddings", "false (a GPT-2 head apart from the embedding)");
    }
    if (f.optBool("scale_attn_by_inverse_layer_idx", false)) {
      throw f.unsupported("scale_attn_by_inverse_layer_idx", "true");
    }
    if (!f.optBool("scale_attn_weights", true)) {
      throw f.unsupported("scale_attn_weights", "false (attention not scaled by 1/sqrt(d))");
    }
    if (f.optBool("add_cross_attention", false)) {
      throw f.unsupported("add_cross_attention", "true (an encoder-decoder GPT-2)");
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

  /**
   * Every id generation stops on, as transformers' {@code generate} does: the {@code eos_token_id}s
   * of {@code config.json} and of {@code generation_config.json} (either an id or a list; Llama 3
   * Instruct lists the end of text, of a tool call and of a turn), config.json's first id first.
   */
  public static int[] stopTokenIds(Path folder, ModelConfig config) {
    java.util.LinkedHashSet<Integer> ids = new java.util.LinkedHashSet<>();
    if (config.eosTokenId() >= 0) {
      ids.add(config.eosTokenId());
    }
    for (String name : List.of("config.json", "generation_config.json")) {
      Path file = folder.resolve(name);
      if (!java.nio.file.Files.exists(file)) {
        continue;
      }
      Map<String, Object> json = ModelJson.read(file);
      Object v = json.get("eos_token_id");
      for (Object id : v instanceof List<?> list ? list : v == null ? List.of() : List.of(v)) {
        if (!(id instanceof Long l) || l < 0 || l >= config.vocabSize()) {
          throw new ModelFormatException(
              file, "field 'eos_token_id': not a token id of this model: " + id);
        }
        ids.add((int) (long) l);
      }
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
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
          HfArchitecture.ofType(c.modelType()).map(HfArchitecture::name).orElse("LlamaForCausalLM");
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
      if (c.ropeScaling() != null) {
        // The transformers 4 layout, which transformers 5 also reads.
        RopeScaling r = c.ropeScaling();
        Map<String, Object> scaling = new LinkedHashMap<>();
        scaling.put("rope_type", r.type());
        if (r.type().equals("longrope")) {
          scaling.put("short_factor", r.shortFactor());
          scaling.put("long_factor", r.longFactor());
          scaling.put("attention_factor", r.attentionFactor());
          m.put("original_max_position_embeddings", r.originalMaxPositions());
        } else {
          scaling.put("factor", r.factor());
        }
        if (r.type().equals("llama3")) {
          scaling.put("low_freq_factor", r.lowFreqFactor());
          scaling.put("high_freq_factor", r.highFreqFactor());
          scaling.put("original_max_position_embeddings", r.originalMaxPositions());
        }
        m.put("rope_scaling", scaling);
      }
      if (c.rotaryFraction() != 1) {
        m.put("partial_rotary_factor", c.rotaryFraction());
      }
      if (c.family() == ModelConfig.Family.GEMMA) {
        m.put("hidden_activation", "gelu_pytorch_tanh");
        m.put("sliding_window", c.slidingWindow());
        m.put("layer_types", layerTypes(c));
        m.put("query_pre_attn_scalar", c.queryPreAttnScalar());
        m.put("attn_logit_softcapping", c.attnSoftcap() > 0 ? c.attnSoftcap() : null);
        m.put("final_logit_softcapping", c.finalSoftcap() > 0 ? c.finalSoftcap() : null);
        if (c.localRopeTheta() > 0) {
          m.put("rope_local_base_freq", c.localRopeTheta());
        }
        m.put("attention_bias", false);
      } else {
        m.put("hidden_act", "silu");
      }
      m.put("tie_word_embeddings", c.tieEmbeddings());
      m.put("attention_dropout", 0.0);
      if (c.modelType().equals("mistral") || c.modelType().equals("phi3")) {
        m.put("sliding_window", c.slidingWindow() > 0 ? c.slidingWindow() : null);
      }
      if (c.modelType().equals("smollm3")) {
        List<Integer> flags = new java.util.ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
          flags.add(c.noRopeLayers().contains(i) ? 0 : 1);
        }
        m.put("no_rope_layers", flags);
        m.put("use_sliding_window", false);
        m.put("attention_bias", false);
        m.put("mlp_bias", false);
      }
      if (c.modelType().equals("qwen3")) {
        m.put("attention_bias", false);
      }
      if (c.modelType().startsWith("qwen")) {
        m.put("use_sliding_window", c.slidingWindow() > 0);
        if (c.slidingWindow() > 0) {
          m.put("sliding_window", c.slidingWindow());
          m.put("layer_types", layerTypes(c));
        }
      }
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

  /**
   * {@code generation_config.json} text for {@code c}; {@code stopIds} (EOS first) are written as
   * its {@code eos_token_id}, a list when there are several, so a saved chat model still stops at
   * the end of a turn.
   */
  public static String generationConfigJson(ModelConfig c, int[] stopIds) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (c.bosTokenId() >= 0) {
      m.put("bos_token_id", c.bosTokenId());
    }
    if (stopIds.length > 1) {
      m.put("eos_token_id", java.util.Arrays.stream(stopIds).boxed().toList());
    } else if (c.eosTokenId() >= 0) {
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

    // A number inside the map at `key`, e.g. rope_parameters.factor.
    double number(String key, Map<?, ?> map, String field) {
      if (!(map.get(field) instanceof Number n) || !Double.isFinite(n.doubleValue())) {
        throw new ModelFormatException(
            file, "field '" + key + "." + field + "': expected a finite number");
      }
      return n.doubleValue();
    }

    // A list of `size` positive numbers inside the map at `key`, e.g. rope_scaling.short_factor.
    List<Double> numbers(String key, Map<?, ?> map, String field, int size) {
      if (!(map.get(field) instanceof List<?> list) || list.size() != size) {
        throw new ModelFormatException(
            file, "field '" + key + "." + field + "': expected a list of " + size + " numbers");
      }
      List<Double> out = new java.util.ArrayList<>();
      for (Object v : list) {
        if (!(v instanceof Number n) || !(n.doubleValue() > 0) || n.doubleValue() > 1e9) {
          throw new ModelFormatException(
              file, "field '" + key + "." + field + "': " + v + " is not a positive number");
        }
        out.add(n.doubleValue());
      }
      return out;
    }

    ModelFormatException unsupported(String key, String what) {
      return new ModelFormatException(file, "field '" + key + "': unsupported: " + what);
    }
  }
}
