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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RoPE exactly as transformers computes it, from both config layouts: Llama-3.2-1B's config.json
 * (its real fields, sizes shrunk) in the transformers 4 layout ({@code rope_theta}, {@code
 * rope_scaling}) and the transformers 5 layout ({@code rope_parameters}), against the independent
 * reference with inverse frequencies computed here from the file's own numbers, written after
 * transformers' {@code _compute_llama3_parameters}.
 */
class RopeConfigTest {
  @TempDir Path dir;

  // Llama-3.2-1B-Instruct's config.json fields; sizes shrunk (2048 wide, 16 layers, 128k vocab
  // there), head_dim 16 so that its 8 frequencies span all three llama3 bands.
  private static final String LLAMA32 =
      """
      {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
       "bos_token_id": 1, "eos_token_id": [2, 3, 4], "head_dim": 16, "hidden_act": "silu",
       "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 96,
       "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
       "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
       "pretraining_tp": 1, "rms_norm_eps": 1e-05, %s, "tie_word_embeddings": true,
       "torch_dtype": "bfloat16", "transformers_version": "4.45.0.dev0", "use_cache": true,
       "vocab_size": 40}
      """;
  private static final String V4 =
      "\"rope_theta\": 500000.0, \"rope_scaling\": {\"factor\": 32.0, \"high_freq_factor\": 4.0,"
          + " \"low_freq_factor\": 1.0, \"original_max_position_embeddings\": 8192,"
          + " \"rope_type\": \"llama3\"}";
  private static final String V5 =
      "\"rope_parameters\": {\"factor\": 32.0, \"high_freq_factor\": 4.0, \"low_freq_factor\":"
          + " 1.0, \"original_max_position_embeddings\": 8192, \"rope_theta\": 500000.0,"
          + " \"rope_type\": \"llama3\"}";

  private ModelConfig read(String rope) throws Exception {
    return TestModels.config(dir, LLAMA32.formatted(rope));
  }

  // transformers' llama3 rule, as there: a where() over the bands.
  private static double[] llama3InverseFrequencies(
      double base, int dim, double factor, double low, double high, double original) {
    double[] out = new double[dim / 2];
    double lowFreqWavelen = original / low;
    double highFreqWavelen = original / high;
    for (int i = 0; i < dim / 2; i++) {
      double invFreq = 1.0 / Math.pow(base, (2.0 * i) / dim);
      double wavelen = 2 * Math.PI / invFreq;
      double invFreqLlama = wavelen > lowFreqWavelen ? invFreq / factor : invFreq;
      double smoothFactor = (original / wavelen - low) / (high - low);
      double smoothed = (1 - smoothFactor) * invFreqLlama / factor + smoothFactor * invFreqLlama;
      boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
      out[i] = medium ? smoothed : invFreqLlama;
    }
    return out;
  }

  @Test
  void llama32ScaledRopeMatchesTransformersFromBothConfigLayouts() throws Exception {
    ModelConfig v4 = read(V4);
    ModelConfig v5 = read(V5);
    assertThat(v5).isEqualTo(v4);
    assertThat(v4.ropeTheta()).isEqualTo(500000.0);
    assertThat(v4.ropeScaling()).isEqualTo(RopeScaling.llama3(32, 1, 4, 8192));
    double[] expected = llama3InverseFrequencies(500000, 16, 32, 1, 4, 8192);
    Map<String, Tensor> weights = TestModels.randomWeights(v4, 7);
    int[] tokens = new int[64];
    for (int t = 0; t < tokens.length; t++) {
      tokens[t] = (t * 7 + 3) % 40;
    }
    try (CausalLm model = CausalLm.fromTensors(v4, weights, Device.cpu())) {
      double[][] reference = new ReferenceTransformer(v4, weights, false, expected).logits(tokens);
      CausalLmTest.assertClose(CausalLmTest.djlLogits(model, tokens), reference);
      // The test can fail: without the scaling the logits are measurably elsewhere.
      double[][] unscaled = new ReferenceTransformer(v4, weights, false).logits(tokens);
      assertThat(CausalLmTest.maxDifference(reference, unscaled)).isGreaterThan(1e-2);
    }
  }

  @Test
  void aTransformers5ConfigWithoutTopLevelRopeThetaReadsItsBase() throws Exception {
    ModelConfig c =
        read("\"rope_parameters\": {\"rope_theta\": 1000000.0, \"rope_type\": \"default\"}");
    assertThat(c.ropeTheta()).isEqualTo(1_000_000.0);
    assertThat(c.ropeScaling()).isNull();
    assertThat(read("\"rope_theta\": 100000.0, \"rope_scaling\": null").ropeTheta())
        .isEqualTo(100_000.0);
    assertThat(read("\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}").ropeScaling())
        .isEqualTo(RopeScaling.linear(2));
  }

  @Test
  void ropeTypesNotImplementedAreRefusedByName() throws Exception {
    for (String type : new String[] {"yarn", "dynamic"}) {
      assertThatThrownBy(
              () ->
                  read(
                      "\"rope_theta\": 10000.0, \"rope_scaling\": {\"rope_type\": \""
                          + type
                          + "\", \"factor\": 4.0}"))
          .isInstanceOf(ModelFormatException.class)
          .hasMessageContaining("field 'rope_scaling'")
          .hasMessageContaining("'" + type + "'");
    }
    assertThatThrownBy(
            () ->
                read(
                    "\"rope_parameters\": {\"rope_theta\": 10000.0, \"rope_type\": \"llama3\","
                        + " \"factor\": 8.0}"))
        .hasMessageContaining("rope_parameters.low_freq_factor");
    assertThatThrownBy(
            () -> read("\"rope_theta\": 10000.0, \"rope_parameters\": {\"rope_theta\": 500000.0}"))
        .hasMessageContaining("differs from the top-level");
  }

  @Test
  void aSavedConfigKeepsTheScaling() throws Exception {
    ModelConfig c = read(V4);
    Path file = dir.resolve("saved.json");
    Files.writeString(file, HfConfig.toJson(c));
    assertThat(HfConfig.read(file)).isEqualTo(c);
  }
}
