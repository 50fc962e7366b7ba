package io.rlhf4j.djl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.rlhf4j.djl.ReferenceTransformer;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.HfConfig;
import io.rlhf4j.djl.io.HfWeights;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.tensor.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phi-3 as transformers' {@code modeling_phi3.py} computes it: q, k, v fused into {@code qkv_proj}
 * and gate, up into {@code gate_up_proj} (gate the first half), a sliding window on every layer.
 * Phi-3-medium-4k's config fields (grouped-query attention, so the fused rows are unequal blocks),
 * sizes and window shrunk, against the independent reference; the fused tensors as transformers
 * saves them.
 */
class Phi3Test {
  @TempDir Path dir;

  static final String PHI3 =
      """
      {"architectures": ["Phi3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
       "bos_token_id": 1, "embd_pdrop": 0.0, "eos_token_id": 2, "hidden_act": "silu",
       "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 48,
       "max_position_embeddings": 4096, "model_type": "phi3", "num_attention_heads": 4,
       "num_hidden_layers": 2, "num_key_value_heads": 2, "original_max_position_embeddings": 4096,
       "pad_token_id": 3, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05, "rope_scaling": null,
       "rope_theta": 10000.0, "sliding_window": 6, "tie_word_embeddings": false,
       "torch_dtype": "bfloat16", "transformers_version": "4.39.3", "use_cache": true,
       "vocab_size": 30%s}
      """;

  static ModelConfig read(Path dir, String extra) throws Exception {
    return TestModels.config(dir, PHI3.formatted(extra));
  }

  @Test
  void fusedProjectionsAndTheWindowMatchTheReference() throws Exception {
    ModelConfig config = read(dir, "");
    assertThat(config.modelType()).isEqualTo("phi3");
    assertThat(config.slidingWindow()).isEqualTo(6);
    Map<String, Tensor> weights = TestModels.randomWeights(config, 51);
    Map<String, TensorData> hf = HfWeights.fromCanonical(weights, config);
    assertThat(hf.get("model.layers.0.self_attn.qkv_proj.weight").shape())
        .containsExactly(32 + 2 * 16, 32); // q 4 heads of 8, k and v 2 heads of 8
    assertThat(hf.get("model.layers.1.mlp.gate_up_proj.weight").shape()).containsExactly(96, 32);
    assertThat(hf).doesNotContainKeys("model.layers.0.self_attn.q_proj.weight");
    Map<String, TensorData> back = HfWeights.toCanonical(hf, config, dir.resolve("x"));
    assertThat(back.keySet()).containsExactlyInAnyOrderElementsOf(weights.keySet());
    for (String name : weights.keySet()) {
      assertThat(back.get(name).materialize().data()).as(name).isEqualTo(weights.get(name).data());
    }

    int[] tokens = {1, 5, 9, 3, 17, 7, 0, 10, 4, 2, 29, 8};
    try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
      CausalLmTest.assertClose(
          CausalLmTest.djlLogits(model, tokens),
          new ReferenceTransformer(config, weights, false).slidingWindow(6).logits(tokens));
    }
    Path saved = dir.resolve("saved.json");
    Files.writeString(saved, HfConfig.toJson(config));
    assertThat(HfConfig.read(saved)).isEqualTo(config);
  }

  // Phi-3.5-mini-instruct: hidden 3072, 32 heads of 96 (48 LongRoPE factors of each kind),
  // original context 4096 of 131072. Shrunk: heads of 8 (4 factors), original context 8 of 256, so
  // that a 12-token sequence is past it (long factors) and a 6-token one within it (short ones).
  static final String PHI35 =
      """
      {"architectures": ["Phi3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
       "bos_token_id": 1, "embd_pdrop": 0.0, "eos_token_id": 32000, "hidden_act": "silu",
       "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 48,
       "max_position_embeddings": 256, "model_type": "phi3", "num_attention_heads": 4,
       "num_hidden_layers": 2, "num_key_value_heads": 4, "original_max_position_embeddings": 8,
       "pad_token_id": 32000, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05,
       "rope_scaling": {"long_factor": [1.0, 1.8, 4.5, 9.0], "short_factor": [1.0, 1.05, 1.2, 1.5],
       "type": "longrope"}, "rope_theta": 10000.0, "sliding_window": 262144,
       "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.43.3",
       "use_cache": true, "vocab_size": 32064}
      """;

  // Phi-4-mini-instruct: hidden 3072, 24 heads of 128, 8 KV heads, partial_rotary_factor 0.75 (96
  // rotated dims, 48 factors), tied embeddings. Shrunk: heads of 16, so 12 rotated dims and 6
  // factors; original context 8 of 256.
  static final String PHI4_MINI =
      """
      {"architectures": ["Phi3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
       "bos_token_id": 199999, "embd_pdrop": 0.0, "eos_token_id": 199999,
       "full_attn_mod": 1, "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02,
       "intermediate_size": 48, "interpolate_factor": 1, "lm_head_bias": false,
       "max_position_embeddings": 256, "mlp_bias": false, "model_type": "phi3",
       "num_attention_heads": 2, "num_hidden_layers": 2, "num_key_value_heads": 1,
       "original_max_position_embeddings": 8, "pad_token_id": 199999,
       "partial_rotary_factor": 0.75, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05,
       "rope_scaling": {"long_factor": [1, 1.5, 2, 3, 5, 8], "short_factor": [1, 1, 1.1, 1.2,
       1.3, 1.5], "type": "longrope"}, "rope_theta": 10000.0, "sliding_window": 262144,
       "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.45.0",
       "use_cache": true, "vocab_size": 200064}
      """;

  @Test
  void phi35LongRopeUsesShortFactorsWithinTheOriginalContextAndLongOnesPastIt() throws Exception {
    ModelConfig config = TestModels.config(dir, PHI35);
    assertThat(config.ropeScaling().type()).isEqualTo("longrope");
    double attention = Math.sqrt(1 + Math.log(256.0 / 8) / Math.log(8)); // transformers' default
    assertThat(config.ropeScaling().attentionFactor()).isCloseTo(attention, within(1e-12));
    Map<String, Tensor> weights = TestModels.randomWeights(config, 53);
    int[] shortSeq = {1, 5, 9, 3, 17, 7};
    int[] longSeq = {1, 5, 9, 3, 17, 7, 0, 10, 4, 2, 29, 8};
    double[] shortFactor = {1.0, 1.05, 1.2, 1.5};
    double[] longFactor = {1.0, 1.8, 4.5, 9.0};
    try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
      for (int[] tokens : List.of(shortSeq, longSeq)) {
        double[] factors = tokens.length > 8 ? longFactor : shortFactor;
        double[] inverse = new double[4];
        for (int i = 0; i < 4; i++) { // 1 / (factor_i · base^(2i/dim))
          inverse[i] = 1 / (factors[i] * Math.pow(10000, 2.0 * i / 8));
        }
        double[][] reference =
            new ReferenceTransformer(config, weights, false, inverse)
                .ropeAttentionFactor(attention)
                .logits(tokens);
        CausalLmTest.assertClose(CausalLmTest.djlLogits(model, tokens), reference);
      }
      // The long sequence's first 6 positions differ from the short one's: other factors.
      double[][] shortLogits = CausalLmTest.djlLogits(model, shortSeq);
      double[][] longLogits = CausalLmTest.djlLogits(model, longSeq);
      assertThat(Math.abs(shortLogits[5][3] - longLogits[5][3])).isGreaterThan(1e-4);
    }
    Path saved = dir.resolve("saved.json");
    Files.writeString(saved, HfConfig.toJson(config));
    assertThat(HfConfig.read(saved)).isEqualTo(config);
  }

  @Test
  void phi4MinisPartialRotaryTurnsThreeQuartersOfEachHead() throws Exception {
    ModelConfig config = TestModels.config(dir, PHI4_MINI);
    assertThat(config.rotaryDim()).isEqualTo(12);
    assertThat(config.headDim()).isEqualTo(16);
    Map<String, Tensor> weights = TestModels.randomWeights(config, 57);
    double attention = Math.sqrt(1 + Math.log(256.0 / 8) / Math.log(8));
    int[] tokens = {1, 5, 9, 3, 17};
    double[] shortFactor = {1, 1, 1.1, 1.2, 1.3, 1.5};
    double[] inverse = new double[6];
    for (int i = 0; i < 6; i++) {
      inverse[i] = 1 / (shortFactor[i] * Math.pow(10000, 2.0 * i / 12));
    }
    try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
      double[][] reference =
          new ReferenceTransformer(config, weights, false, inverse)
              .partialRotary(12)
              .ropeAttentionFactor(attention)
              .logits(tokens);
      CausalLmTest.assertClose(CausalLmTest.djlLogits(model, tokens), reference);
      double[][] full =
          new ReferenceTransformer(config, weights, false)
              .ropeAttentionFactor(attention)
              .logits(tokens);
      assertThat(Math.abs(full[4][3] - reference[4][3]))
          .as("rotating all 16 dims differs")
          .isGreaterThan(1e-4);
    }
    Path saved = dir.resolve("saved.json");
    Files.writeString(saved, HfConfig.toJson(config));
    assertThat(HfConfig.read(saved)).isEqualTo(config);
  }

  @Test
  void longRopeFactorsOfTheWrongLengthAreRefusedByName() {
    assertThatThrownBy(
            () -> TestModels.config(dir, PHI35.replace("[1.0, 1.05, 1.2, 1.5]", "[1.0, 1.05]")))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("field 'rope_scaling.short_factor'");
  }
}
