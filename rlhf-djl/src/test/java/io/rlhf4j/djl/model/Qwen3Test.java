package io.rlhf4j.djl.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rlhf4j.djl.ReferenceTransformer;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.HfConfig;
import io.rlhf4j.djl.io.HfWeights;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.tensor.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Qwen3 as transformers' {@code modeling_qwen3.py} computes it: each head's queries and keys
 * RMS-normalised over the head's dims (own weights, the model's eps) before RoPE, {@code head_dim}
 * apart from hidden/heads, no q/k/v biases. Qwen3-0.6B's config.json fields, sizes shrunk, against
 * the independent reference; its tensor names as transformers saves them.
 */
class Qwen3Test {
  @TempDir Path dir;

  // Qwen3-0.6B: hidden 1024, 16 heads of 128 (so 2048 query dims), 8 KV heads, 28 layers.
  private static final String QWEN3 =
      """
      {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
       "bos_token_id": 1, "eos_token_id": 2, "head_dim": 16, "hidden_act": "silu",
       "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 48,
       "max_position_embeddings": 40960, "max_window_layers": 2, "model_type": "qwen3",
       "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
       "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000,
       "sliding_window": null, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
       "transformers_version": "4.51.0", "use_cache": true, "use_sliding_window": false,
       "vocab_size": 30}
      """;

  @Test
  void perHeadQueryKeyNormsMatchTheReferenceAndKeepTransformersNames() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, QWEN3);
    ModelConfig config = HfConfig.read(file);
    assertThat(config.qkNorm()).isTrue();
    assertThat(config.qkvBias()).isFalse();
    assertThat(config.headDim() * config.numHeads()).isEqualTo(64); // not hidden_size
    assertThat(config.ropeTheta()).isEqualTo(1_000_000.0);

    Map<String, Tensor> weights = TestModels.randomWeights(config, 31);
    assertThat(weights.get("layers.1.attn.k_norm.weight").shape()).containsExactly(16);
    // Saved as transformers names them, and read back to the same tensors.
    Map<String, TensorData> hf = HfWeights.fromCanonical(weights, config);
    assertThat(hf)
        .containsKeys(
            "model.layers.0.self_attn.q_norm.weight", "model.layers.0.self_attn.k_norm.weight")
        .doesNotContainKey("lm_head.weight");
    assertThat(HfWeights.toCanonical(hf, config, file).keySet())
        .containsExactlyElementsOf(weights.keySet());

    int[] tokens = {1, 5, 9, 3, 17, 7, 0, 10, 4, 2, 29, 8};
    try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
      double[][] reference = new ReferenceTransformer(config, weights, false).logits(tokens);
      CausalLmTest.assertClose(CausalLmTest.djlLogits(model, tokens), reference);
      // Without the norms the model computes something else: the test can fail.
      ModelConfig without =
          ModelConfig.llama()
              .modelType("qwen2")
              .vocabSize(30)
              .hiddenSize(32)
              .intermediateSize(48)
              .numLayers(2)
              .numHeads(4)
              .numKvHeads(2)
              .headDim(16)
              .normEps(1e-6)
              .ropeTheta(1_000_000)
              .tieEmbeddings(true)
              .build();
      Map<String, Tensor> plain = new java.util.LinkedHashMap<>(weights);
      plain.keySet().removeIf(k -> k.contains("_norm.weight") && k.contains("attn."));
      double[][] unnormed = new ReferenceTransformer(without, plain, false).logits(tokens);
      assertThat(Math.abs(unnormed[11][3] - reference[11][3])).isGreaterThan(1e-3);
    }
    Path saved = dir.resolve("saved.json");
    Files.writeString(saved, HfConfig.toJson(config));
    assertThat(HfConfig.read(saved)).isEqualTo(config);
  }
}
