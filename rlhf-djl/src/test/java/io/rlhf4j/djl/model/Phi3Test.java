package io.rlhf4j.djl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  @Test
  void phi4MinisPartialRotaryIsRefusedByName() {
    assertThatThrownBy(() -> read(dir, ", \"partial_rotary_factor\": 0.75"))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("field 'partial_rotary_factor'");
  }
}
