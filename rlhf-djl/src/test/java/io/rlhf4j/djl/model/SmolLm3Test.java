package io.rlhf4j.djl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rlhf4j.djl.ReferenceTransformer;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.HfConfig;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.djl.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SmolLM3 as transformers' {@code modeling_smollm3.py} computes it: a Llama block whose every
 * fourth layer has no RoPE ({@code no_rope_layers} 0 there, NoPE). SmolLM3-3B's config.json fields,
 * 36 layers shrunk to 4 (the pattern 1, 1, 1, 0 kept), against the independent reference.
 */
class SmolLm3Test {
  @TempDir Path dir;

  private static final String SMOLLM3 =
      """
      {"architectures": ["SmolLM3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
       "bos_token_id": null, "eos_token_id": 5, "hidden_act": "silu", "hidden_size": 32,
       "initializer_range": 0.02, "intermediate_size": 48, "max_position_embeddings": 65536,
       "max_window_layers": 28, "mlp_bias": false, "model_type": "smollm3",
       "no_rope_layer_interval": 4, "no_rope_layers": %s, "num_attention_heads": 4,
       "num_hidden_layers": 4, "num_key_value_heads": 2, "pad_token_id": 4, "pretraining_tp": 2,
       "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 5000000.0,
       "sliding_window": null, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
       "transformers_version": "4.54.0.dev0", "use_cache": false, "use_sliding_window": false,
       "vocab_size": 30}
      """;

  private ModelConfig read(String flags) throws Exception {
    return TestModels.config(dir, SMOLLM3.formatted(flags));
  }

  @Test
  void everyFourthLayerHasNoRopeAsTheConfigSays() throws Exception {
    ModelConfig config = read("[1, 1, 1, 0]");
    assertThat(config.noRopeLayers()).containsExactly(3);
    assertThat(config.bosTokenId()).isEqualTo(-1);
    Map<String, Tensor> weights = TestModels.randomWeights(config, 41);
    int[] tokens = {1, 5, 9, 3, 17, 7, 0, 10, 4, 2, 29, 8, 6, 12};
    try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
      double[][] reference =
          new ReferenceTransformer(config, weights, false).withoutRope(Set.of(3)).logits(tokens);
      CausalLmTest.assertClose(CausalLmTest.djlLogits(model, tokens), reference);
      double[][] allRope = new ReferenceTransformer(config, weights, false).logits(tokens);
      assertThat(Math.abs(allRope[13][2] - reference[13][2])).isGreaterThan(1e-3);
    }
    Path saved = dir.resolve("saved.json");
    Files.writeString(saved, HfConfig.toJson(config));
    assertThat(HfConfig.read(saved)).isEqualTo(config);
    assertThat(Files.readString(saved)).contains("\"no_rope_layers\":[1,1,1,0]");
  }

  @Test
  void aNoRopeListOfTheWrongLengthIsRefusedByName() {
    assertThatThrownBy(() -> read("[1, 0]"))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("field 'no_rope_layers'")
        .hasMessageContaining("2 entries for 4 layers");
  }
}
