package io.rlhf4j.djl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.rlhf4j.djl.GemmaReference;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.Generator;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.io.HfConfig;
import io.rlhf4j.djl.io.HfWeights;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.tensor.TensorData;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemma 2 and Gemma 3 text models against {@link GemmaReference}, written from transformers'
 * modeling code and reading the config text and transformers' tensor names itself. The configs are
 * gemma-2-2b's and gemma-3-1b's config.json fields with sizes shrunk; the sliding window shrunk to
 * 4 so a 12-token sequence crosses it, and Gemma 2's soft caps shrunk so that they bite on random
 * weights (at 50 and 30 they would leave these small scores almost unchanged).
 */
class GemmaTest {
  @TempDir Path dir;

  // gemma-2-2b: 26 layers, hidden 2304, 8 heads of 256, 4 KV heads, caps 50 / 30, window 4096.
  static final String GEMMA2 =
      """
      {"architectures": ["Gemma2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
       "attn_logit_softcapping": 2.0, "bos_token_id": 2, "cache_implementation": "hybrid",
       "eos_token_id": [1, 107], "final_logit_softcapping": 3.0, "head_dim": 16,
       "hidden_act": "gelu_pytorch_tanh", "hidden_activation": "gelu_pytorch_tanh",
       "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 48,
       "max_position_embeddings": 8192, "model_type": "gemma2", "num_attention_heads": 4,
       "num_hidden_layers": 4, "num_key_value_heads": 2, "pad_token_id": 0,
       "query_pre_attn_scalar": 24, "rms_norm_eps": 1e-06, "rope_theta": 10000.0,
       "sliding_window": 4, "torch_dtype": "float32", "transformers_version": "4.42.4",
       "use_cache": true, "vocab_size": 30}
      """;

  // gemma-3-1b-pt: 26 layers, hidden 1152, 4 heads of 256, 1 KV head, window 512, pattern 6.
  static final String GEMMA3 =
      """
      {"architectures": ["Gemma3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
       "attn_logit_softcapping": null, "bos_token_id": 2, "cache_implementation": "hybrid",
       "eos_token_id": [1, 106], "final_logit_softcapping": null, "head_dim": 16,
       "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 24, "initializer_range": 0.02,
       "intermediate_size": 40, "max_position_embeddings": 32768, "model_type": "gemma3_text",
       "num_attention_heads": 4, "num_hidden_layers": 6, "num_key_value_heads": 1,
       "pad_token_id": 0, "query_pre_attn_scalar": 16, "rms_norm_eps": 1e-06,
       "rope_local_base_freq": 10000, "rope_scaling": %s, "rope_theta": 1000000,
       "sliding_window": 4, "sliding_window_pattern": 6, "torch_dtype": "bfloat16",
       "transformers_version": "4.50.0.dev0", "use_cache": true, "vocab_size": 30}
      """;

  // The same model as transformers 5 writes it: layer_types, RoPE per layer type.
  static final String GEMMA3_V5 =
      """
      {"architectures": ["Gemma3ForCausalLM"], "attention_bias": false,
       "attn_logit_softcapping": null, "bos_token_id": 2, "eos_token_id": [1, 106],
       "final_logit_softcapping": null, "head_dim": 16, "hidden_activation": "gelu_pytorch_tanh",
       "hidden_size": 24, "intermediate_size": 40, "layer_types": ["sliding_attention",
       "sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention",
       "full_attention"], "max_position_embeddings": 32768, "model_type": "gemma3_text",
       "num_attention_heads": 4, "num_hidden_layers": 6, "num_key_value_heads": 1,
       "query_pre_attn_scalar": 16, "rms_norm_eps": 1e-06, "rope_parameters": {
       "full_attention": {"rope_type": "linear", "factor": 8.0, "rope_theta": 1000000.0},
       "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}},
       "sliding_window": 4, "dtype": "bfloat16", "transformers_version": "5.0.0",
       "vocab_size": 30}
      """;

  private static final int[] TOKENS = {2, 5, 9, 3, 17, 7, 0, 10, 4, 2, 29, 8};

  @Test
  void gemma2MatchesTheReference() throws Exception {
    ModelConfig config = TestModels.config(dir, GEMMA2);
    assertThat(config.family()).isEqualTo(ModelConfig.Family.GEMMA);
    assertThat(config.globalLayers()).containsExactly(1, 3); // even layers slide
    assertThat(config.windowed(0)).isTrue();
    assertThat(config.attnSoftcap()).isEqualTo(2.0);
    assertThat(config.finalSoftcap()).isEqualTo(3.0);
    assertThat(config.eosTokenId()).isEqualTo(1);
    checkAgainstReference(config, GEMMA2, 61);
    // The caps, the window and the query scalar each change the result: the check can fail.
    Map<String, Tensor> hf = hfWeights(config, 61);
    double[][] reference = new GemmaReference(GEMMA2, hf).logits(TOKENS);
    for (String changed :
        List.of(
            GEMMA2.replace("\"attn_logit_softcapping\": 2.0", "\"attn_logit_softcapping\": null"),
            GEMMA2.replace("\"final_logit_softcapping\": 3.0", "\"final_logit_softcapping\": 9"),
            GEMMA2.replace("\"sliding_window\": 4", "\"sliding_window\": 400"),
            GEMMA2.replace("\"query_pre_attn_scalar\": 24", "\"query_pre_attn_scalar\": 16"))) {
      assertThat(
              CausalLmTest.maxDifference(new GemmaReference(changed, hf).logits(TOKENS), reference))
          .isGreaterThan(1e-3);
    }
  }

  @Test
  void gemma3MatchesTheReferenceInBothConfigLayouts() throws Exception {
    ModelConfig v4 = TestModels.config(dir, GEMMA3.formatted("null"));
    assertThat(v4.globalLayers()).containsExactly(5);
    assertThat(v4.qkNorm()).isTrue();
    assertThat(v4.localRopeTheta()).isEqualTo(10000.0);
    assertThat(v4.ropeTheta()).isEqualTo(1_000_000.0);
    checkAgainstReference(v4, GEMMA3.formatted("null"), 71);

    // gemma-3-4b's linear scaling of the global layers' RoPE (factor 8), in both layouts.
    String scaled = GEMMA3.formatted("{\"factor\": 8.0, \"rope_type\": \"linear\"}");
    ModelConfig v4Scaled = TestModels.config(dir, scaled);
    assertThat(TestModels.config(dir, GEMMA3_V5)).isEqualTo(v4Scaled);
    checkAgainstReference(v4Scaled, scaled, 72);
    Map<String, Tensor> hf = hfWeights(v4Scaled, 72);
    assertThat(
            CausalLmTest.maxDifference(
                new GemmaReference(scaled, hf).logits(TOKENS),
                new GemmaReference(GEMMA3.formatted("null"), hf).logits(TOKENS)))
        .as("the scaling changes the global layer")
        .isGreaterThan(1e-3);
  }

  @Test
  void cachedGenerationEqualsUncachedAcrossLocalAndGlobalLayers() throws Exception {
    for (String text : List.of(GEMMA2, GEMMA3.formatted("null"))) {
      ModelConfig config = TestModels.config(dir, text);
      try (CausalLm model =
          CausalLm.fromTensors(config, TestModels.randomWeights(config, 81), Device.cpu())) {
        SamplingConfig greedy = SamplingConfig.builder().temperature(0).maxNewTokens(10).build();
        Generator generator = new Generator(model, new int[0]);
        List<int[]> prompts = List.of(new int[] {2, 5, 9}, new int[] {2, 7, 3, 17, 1, 4});
        List<Generation> cached = generator.generate(prompts, greedy, true);
        List<Generation> uncached = generator.generate(prompts, greedy, false);
        for (int i = 0; i < prompts.size(); i++) {
          assertThat(cached.get(i).response()).containsExactly(uncached.get(i).response());
        }
      }
    }
  }

  @Test
  void savedConfigAndTensorsReadBackAsTransformersNamesThem() throws Exception {
    for (String text :
        List.of(GEMMA2, GEMMA3.formatted("{\"factor\": 8.0, \"type\": \"linear\"}"))) {
      ModelConfig config = TestModels.config(dir, text);
      Map<String, Tensor> weights = TestModels.randomWeights(config, 91);
      Map<String, TensorData> hf = HfWeights.fromCanonical(weights, config);
      assertThat(hf)
          .containsKeys(
              "model.layers.0.input_layernorm.weight",
              "model.layers.0.post_attention_layernorm.weight",
              "model.layers.0.pre_feedforward_layernorm.weight",
              "model.layers.0.post_feedforward_layernorm.weight")
          .doesNotContainKey("lm_head.weight");
      Map<String, TensorData> back = HfWeights.toCanonical(hf, config, dir.resolve("x"));
      assertThat(back.keySet()).containsExactlyInAnyOrderElementsOf(weights.keySet());
      Path saved = dir.resolve("saved.json");
      Files.writeString(saved, HfConfig.toJson(config));
      assertThat(HfConfig.read(saved)).isEqualTo(config);
    }
  }

  // gemma-3-4b-it's layout: the text model's config under text_config (sparse: heads and more left
  // to Gemma3TextConfig's defaults, here given where they are shrunk), weights under
  // language_model, and a vision tower.
  static final String GEMMA3_IMAGE_TEXT =
      """
      {"architectures": ["Gemma3ForConditionalGeneration"], "boi_token_index": 255999,
       "bos_token_id": 2, "eoi_token_index": 256000, "eos_token_id": [1, 106],
       "image_token_index": 262144, "initializer_range": 0.02, "mm_tokens_per_image": 256,
       "model_type": "gemma3", "text_config": {"head_dim": 16, "hidden_size": 24,
       "intermediate_size": 40, "max_position_embeddings": 32768, "model_type": "gemma3_text",
       "num_attention_heads": 4, "num_hidden_layers": 6, "num_key_value_heads": 1,
       "query_pre_attn_scalar": 16, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
       "sliding_window": 4, "vocab_size": 30}, "torch_dtype": "bfloat16",
       "transformers_version": "4.50.0.dev0", "vision_config": {"hidden_size": 1152,
       "image_size": 896, "model_type": "siglip_vision_model", "num_hidden_layers": 27}}
      """;

  @Test
  void anImageAndTextGemma3LoadsItsTextModel() throws Exception {
    ModelConfig textOnly =
        TestModels.config(dir, GEMMA3.formatted("{\"factor\": 8.0, \"rope_type\": \"linear\"}"));
    ModelConfig config = TestModels.config(dir, GEMMA3_IMAGE_TEXT);
    assertThat(config).isEqualTo(textOnly);
    Map<String, Tensor> weights = TestModels.randomWeights(config, 95);
    Map<String, TensorData> checkpoint = new LinkedHashMap<>();
    HfWeights.fromCanonical(weights, config)
        .forEach((name, t) -> checkpoint.put("language_model." + name, t));
    checkpoint.put(
        "vision_tower.vision_model.embeddings.patch_embedding.weight",
        new Tensor(new long[] {2, 3}, new float[6]));
    checkpoint.put(
        "multi_modal_projector.mm_input_projection_weight",
        new Tensor(new long[] {2}, new float[2]));
    Map<String, TensorData> back = HfWeights.toCanonical(checkpoint, config, dir.resolve("x"));
    assertThat(back.keySet()).containsExactlyInAnyOrderElementsOf(weights.keySet());
    for (String name : weights.keySet()) {
      assertThat(back.get(name).materialize().data()).as(name).isEqualTo(weights.get(name).data());
    }
    // It saves as the text model transformers loads with Gemma3ForCausalLM.
    assertThat(HfConfig.toJson(config)).contains("\"Gemma3ForCausalLM\"");
  }

  @Test
  void gemmaSettingsNotImplementedAreRefusedByName() {
    assertThatThrownBy(
            () ->
                TestModels.config(
                    dir,
                    GEMMA2.replace(
                        "\"hidden_activation\": \"gelu_pytorch_tanh\"",
                        "\"hidden_activation\": \"silu\"")))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("field 'hidden_activation'");
    assertThatThrownBy(
            () ->
                TestModels.config(
                    dir,
                    GEMMA3_V5.replace(
                        "\"rope_type\": \"default\", \"rope_theta\": 10000.0",
                        "\"rope_type\": \"yarn\", \"rope_theta\": 10000.0")))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("field 'rope_parameters'");
  }

  @Test
  void gradientsThroughCapsAndOffsetNormsMatchFiniteDifferencesOfTheReference() throws Exception {
    // Training (SFT, reward, RL, DPO) differentiates this forward pass: autograd through the soft
    // caps, the offset norms and the scaled embedding must give the derivative of what the
    // independent reference computes.
    for (String text : List.of(GEMMA2, GEMMA3.formatted("null"))) {
      ModelConfig config = TestModels.config(dir, text);
      Map<String, Tensor> weights = TestModels.randomWeights(config, 97);
      List<String> probes =
          List.of(
              "layers.0.attn_post_norm.weight",
              "layers.1.mlp_post_norm.weight",
              "layers.0.attn.q.weight",
              "norm.weight",
              "embed.weight");
      Map<String, float[]> grads = new LinkedHashMap<>();
      try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
        model.setTrainable(true);
        try (ai.djl.ndarray.NDManager m = model.manager().newSubManager();
            ai.djl.training.GradientCollector c = GradMode.collector()) {
          long[] ids = java.util.Arrays.stream(TOKENS).asLongStream().toArray();
          ai.djl.ndarray.NDArray in = m.create(ids, new ai.djl.ndarray.types.Shape(1, ids.length));
          ai.djl.ndarray.NDArray valid =
              in.onesLike().toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
          c.backward(nll(model.logits(model.hidden(in, valid, null)), m));
        }
        for (String name : probes) {
          grads.put(name, model.parameters().get(name).getArray().getGradient().toFloatArray());
        }
      }
      double h = 1e-3;
      for (String name : probes) {
        int index = name.equals("embed.weight") ? 5 * config.hiddenSize() + 3 : 7;
        double numeric =
            (referenceNll(config, text, weights, name, index, h)
                    - referenceNll(config, text, weights, name, index, -h))
                / (2 * h);
        assertThat((double) grads.get(name)[index])
            .as("%s[%s] in %s", name, index, config.modelType())
            .isCloseTo(numeric, within(2e-3 * Math.max(1, Math.abs(numeric))));
      }
    }
  }

  // Mean next-token NLL over TOKENS from logits [1, T, V].
  private static ai.djl.ndarray.NDArray nll(
      ai.djl.ndarray.NDArray logits, ai.djl.ndarray.NDManager m) {
    int t = TOKENS.length - 1;
    long[] next = new long[t];
    for (int i = 0; i < t; i++) {
      next[i] = TOKENS[i + 1];
    }
    ai.djl.ndarray.NDArray logp =
        logits.get(new ai.djl.ndarray.index.NDIndex(":, 0:" + t)).logSoftmax(-1).reshape(t, -1);
    ai.djl.ndarray.NDArray picked =
        logp.gather(m.create(next, new ai.djl.ndarray.types.Shape(t, 1)), -1);
    return picked.mean().neg();
  }

  // The same loss from the fp64 reference with one weight moved by delta.
  private double referenceNll(
      ModelConfig config,
      String text,
      Map<String, Tensor> weights,
      String name,
      int index,
      double delta) {
    Map<String, Tensor> moved = new LinkedHashMap<>(weights);
    float[] data = weights.get(name).data().clone();
    data[index] += (float) delta;
    moved.put(name, new Tensor(weights.get(name).shape(), data));
    Map<String, Tensor> hf = hfNames(moved, config);
    double[][] logits = new GemmaReference(text, hf).logits(TOKENS);
    double sum = 0;
    for (int t = 0; t + 1 < TOKENS.length; t++) {
      double max = Double.NEGATIVE_INFINITY;
      for (double v : logits[t]) {
        max = Math.max(max, v);
      }
      double z = 0;
      for (double v : logits[t]) {
        z += Math.exp(v - max);
      }
      sum -= logits[t][TOKENS[t + 1]] - max - Math.log(z);
    }
    return sum / (TOKENS.length - 1);
  }

  private void checkAgainstReference(ModelConfig config, String text, long seed) {
    Map<String, Tensor> weights = TestModels.randomWeights(config, seed);
    double[][] reference = new GemmaReference(text, hfWeights(config, seed)).logits(TOKENS);
    try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
      CausalLmTest.assertClose(CausalLmTest.djlLogits(model, TOKENS), reference);
    }
  }

  // The same random weights under transformers' names, for the reference.
  private static Map<String, Tensor> hfWeights(ModelConfig config, long seed) {
    return hfNames(TestModels.randomWeights(config, seed), config);
  }

  private static Map<String, Tensor> hfNames(Map<String, Tensor> canonical, ModelConfig config) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    HfWeights.fromCanonical(canonical, config)
        .forEach(
            (name, t) -> {
              try {
                out.put(name, t.materialize());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    return out;
  }
}
