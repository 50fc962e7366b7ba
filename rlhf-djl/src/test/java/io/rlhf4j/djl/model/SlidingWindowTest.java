package io.rlhf4j.djl.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rlhf4j.djl.ReferenceTransformer;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.Generator;
import io.rlhf4j.djl.io.HfConfig;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistral's sliding-window attention, exact: Mistral-7B-v0.1's config.json fields (sizes shrunk,
 * the window shrunk from 4096 to 4 so that a short sequence crosses it) against the independent
 * reference, whose window is the file's own number; and generation with the key/value cache (where
 * old keys stay in the cache and must be masked) against generation without it.
 */
class SlidingWindowTest {
  @TempDir Path dir;

  private static final String MISTRAL =
      """
      {"architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
       "hidden_act": "silu", "hidden_size": 32, "initializer_range": 0.02,
       "intermediate_size": 48, "max_position_embeddings": 32768, "model_type": "mistral",
       "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
       "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": %s,
       "tie_word_embeddings": false, "torch_dtype": "bfloat16",
       "transformers_version": "4.34.0.dev0", "use_cache": true, "vocab_size": 24}
      """;

  private ModelConfig read(String window) throws Exception {
    return TestModels.config(dir, MISTRAL.formatted(window));
  }

  @Test
  void windowedAttentionMatchesTheReferenceAndTheCachedPath() throws Exception {
    ModelConfig config = read("4");
    assertThat(config.slidingWindow()).isEqualTo(4);
    assertThat(read("null").slidingWindow()).isZero();
    Map<String, Tensor> weights = TestModels.randomWeights(config, 21);
    int[] tokens = {1, 5, 9, 3, 17, 7, 0, 10, 4, 2, 6, 8, 13, 11};
    try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
      double[][] reference =
          new ReferenceTransformer(config, weights, false).slidingWindow(4).logits(tokens);
      CausalLmTest.assertClose(CausalLmTest.djlLogits(model, tokens), reference);
      double[][] full = new ReferenceTransformer(config, weights, false).logits(tokens);
      assertThat(
              Math.abs(full[13][0] - reference[13][0]) + Math.abs(full[13][1] - reference[13][1]))
          .as("the window changes the last positions")
          .isGreaterThan(1e-3);

      SamplingConfig greedy = SamplingConfig.builder().temperature(0).maxNewTokens(10).build();
      Generator generator = new Generator(model, new int[0]);
      List<int[]> prompts = List.of(new int[] {1, 5, 9}, new int[] {1, 7, 3, 17, 2});
      List<Generation> cached = generator.generate(prompts, greedy, true);
      List<Generation> uncached = generator.generate(prompts, greedy, false);
      for (int i = 0; i < prompts.size(); i++) {
        assertThat(cached.get(i).response()).containsExactly(uncached.get(i).response());
      }
    }
  }

  @Test
  void qwen2WithItsSlidingWindowSwitchedOnWindowsTheLayersFromMaxWindowLayersOn() throws Exception {
    // Qwen2's use_sliding_window (false in every release): layers from max_window_layers on see
    // the last sliding_window tokens only; here layer 0 sees everything and layer 1 a window of 4.
    String qwen =
        MISTRAL
            .formatted("4")
            .replace("MistralForCausalLM", "Qwen2ForCausalLM")
            .replace("\"mistral\"", "\"qwen2\"")
            .replace(
                "\"use_cache\"",
                "\"use_sliding_window\": true, \"max_window_layers\": 1," + " \"use_cache\"");
    ModelConfig config = TestModels.config(dir, qwen);
    assertThat(config.windowed(0)).isFalse();
    assertThat(config.windowed(1)).isTrue();
    assertThat(
            TestModels.config(
                    dir, qwen.replace("\"max_window_layers\": 1", "\"max_window_layers\": 2"))
                .slidingWindow())
        .as("no layer past max_window_layers: no window")
        .isZero();
    Map<String, Tensor> weights = TestModels.randomWeights(config, 23);
    int[] tokens = {1, 5, 9, 3, 17, 7, 0, 10, 4, 2, 6, 8, 13, 11};
    try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
      double[][] reference =
          new ReferenceTransformer(config, weights, false)
              .slidingWindow(4)
              .windowedLayers(java.util.Set.of(1))
              .logits(tokens);
      CausalLmTest.assertClose(CausalLmTest.djlLogits(model, tokens), reference);
      double[][] everyLayer =
          new ReferenceTransformer(config, weights, false).slidingWindow(4).logits(tokens);
      assertThat(CausalLmTest.maxDifference(everyLayer, reference))
          .as("windowing layer 0 too computes something else")
          .isGreaterThan(1e-3);
    }
    Path saved = dir.resolve("saved.json");
    Files.writeString(saved, HfConfig.toJson(config));
    assertThat(HfConfig.read(saved)).isEqualTo(config);
  }
}
