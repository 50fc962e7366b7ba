package io.rlhf4j.djl;

import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Shared fixtures: the real stories260K model from ../shared and tiny random configs. */
public final class TestModels {
  private TestModels() {}

  /** ../shared, from the rlhf4j.shared system property Maven sets; missing data fails. */
  public static Path shared(String relative) {
    Path p = Path.of(System.getProperty("rlhf4j.shared", "../../shared")).resolve(relative);
    if (!Files.exists(p)) {
      throw new IllegalStateException("shared data missing: " + p.toAbsolutePath());
    }
    return p;
  }

  /** The stories260K folder. */
  public static Path stories() {
    return shared("models/stories260K");
  }

  /**
   * stories260K's weights read straight from the llama2.c file in its original layout (q and k rows
   * interleaved), independently of the production loader, for the reference forward.
   */
  public static Map<String, Tensor> storiesOriginalLayout() throws IOException {
    ByteBuffer buffer =
        ByteBuffer.wrap(Files.readAllBytes(stories().resolve("stories260K.bin")))
            .order(ByteOrder.LITTLE_ENDIAN);
    int dim = buffer.getInt();
    int hidden = buffer.getInt();
    int layers = buffer.getInt();
    int heads = buffer.getInt();
    int kvHeads = buffer.getInt();
    int vocab = buffer.getInt();
    buffer.getInt(); // seq_len
    int kv = kvHeads * dim / heads;
    FloatBuffer f = buffer.asFloatBuffer();
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("embed.weight", next(f, vocab, dim));
    Tensor[] rmsAtt = new Tensor[layers];
    Tensor[][] attn = new Tensor[4][layers];
    for (int l = 0; l < layers; l++) {
      rmsAtt[l] = next(f, dim);
    }
    int[][] shapes = {{dim, dim}, {kv, dim}, {kv, dim}, {dim, dim}};
    for (int m = 0; m < 4; m++) {
      for (int l = 0; l < layers; l++) {
        attn[m][l] = next(f, shapes[m][0], shapes[m][1]);
      }
    }
    Tensor[] rmsFfn = new Tensor[layers];
    for (int l = 0; l < layers; l++) {
      rmsFfn[l] = next(f, dim);
    }
    Tensor[][] ffn = new Tensor[3][layers];
    int[][] ffnShapes = {{hidden, dim}, {dim, hidden}, {hidden, dim}};
    for (int m = 0; m < 3; m++) {
      for (int l = 0; l < layers; l++) {
        ffn[m][l] = next(f, ffnShapes[m][0], ffnShapes[m][1]);
      }
    }
    String[] attnNames = {"q", "k", "v", "o"};
    for (int l = 0; l < layers; l++) {
      String p = "layers." + l + ".";
      w.put(p + "attn_norm.weight", rmsAtt[l]);
      for (int m = 0; m < 4; m++) {
        w.put(p + "attn." + attnNames[m] + ".weight", attn[m][l]);
      }
      w.put(p + "mlp_norm.weight", rmsFfn[l]);
      w.put(p + "mlp.gate.weight", ffn[0][l]);
      w.put(p + "mlp.down.weight", ffn[1][l]);
      w.put(p + "mlp.up.weight", ffn[2][l]);
    }
    w.put("norm.weight", next(f, dim));
    return w;
  }

  private static Tensor next(FloatBuffer f, int... shape) {
    int n = 1;
    long[] s = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      n *= shape[i];
      s[i] = shape[i];
    }
    float[] data = new float[n];
    f.get(data);
    return new Tensor(s, data);
  }

  /** A tiny Qwen2-style config: grouped-query attention, q/k/v biases, untied head. */
  public static ModelConfig tinyLlama() {
    return tinyLlama(11);
  }

  /** {@link #tinyLlama()} with a vocabulary of {@code vocab} rows. */
  public static ModelConfig tinyLlama(int vocab) {
    return ModelConfig.llama()
        .modelType("qwen2")
        .vocabSize(vocab)
        .hiddenSize(16)
        .intermediateSize(24)
        .numLayers(2)
        .numHeads(4)
        .numKvHeads(2)
        .maxPositions(64)
        .normEps(1e-6)
        .ropeTheta(10000)
        .tieEmbeddings(false)
        .qkvBias(true)
        .bosTokenId(1)
        .eosTokenId(2)
        .build();
  }

  /** A tiny GPT-2. */
  public static ModelConfig tinyGpt2() {
    return ModelConfig.gpt2()
        .vocabSize(13)
        .hiddenSize(16)
        .intermediateSize(64)
        .numLayers(2)
        .numHeads(2)
        .maxPositions(32)
        .bosTokenId(12)
        .eosTokenId(12)
        .build();
  }

  /** Random weights with non-trivial norms and biases (the model's own init leaves them 1 / 0). */
  public static Map<String, Tensor> perturbed(Map<String, Tensor> tensors, long seed) {
    java.util.Random random = new java.util.Random(seed);
    Map<String, Tensor> out = new LinkedHashMap<>();
    tensors.forEach(
        (name, t) -> {
          float[] data = t.data().clone();
          for (int i = 0; i < data.length; i++) {
            data[i] += (float) (random.nextGaussian() * 0.3);
          }
          out.put(name, new Tensor(t.shape(), data));
        });
    return out;
  }

  /**
   * A config.json with {@code text} in {@code dir}, read as rlhf4j reads a model folder's: the
   * tests of each family write the real file's fields at shrunk sizes.
   */
  public static ModelConfig config(Path dir, String text) throws IOException {
    Path file = dir.resolve("config-" + Integer.toHexString(text.hashCode()) + ".json");
    Files.writeString(file, text);
    return io.rlhf4j.djl.io.HfConfig.read(file);
  }

  /** Random weights of {@code config}, perturbed so no tensor is at its initial value. */
  public static Map<String, Tensor> randomWeights(ModelConfig config, long seed) {
    try (io.rlhf4j.djl.model.CausalLm m =
        io.rlhf4j.djl.model.CausalLm.random(config, seed, ai.djl.Device.cpu())) {
      return perturbed(m.toTensors(), seed + 1);
    }
  }

  /** Each parameter's accumulated gradient, by name, read to the host. */
  public static Map<String, float[]> gradients(CausalLm model) {
    Map<String, float[]> grads = new LinkedHashMap<>();
    model
        .parameters()
        .forEach(
            (name, p) -> {
              try (ai.djl.ndarray.NDArray g = p.getArray().getGradient()) {
                grads.put(name, g.toFloatArray());
              }
            });
    return grads;
  }

  /** Each parameter's values, by name, read to the host. */
  public static Map<String, float[]> weights(CausalLm model) {
    Map<String, float[]> out = new LinkedHashMap<>();
    model.toTensors().forEach((name, t) -> out.put(name, t.data()));
    return out;
  }

  /** Asserts the same parameter names and every value within {@code tolerance}. */
  public static void assertWeightsClose(
      Map<String, float[]> actual, Map<String, float[]> expected, float tolerance) {
    org.assertj.core.api.Assertions.assertThat(actual.keySet()).isEqualTo(expected.keySet());
    for (Map.Entry<String, float[]> e : expected.entrySet()) {
      float[] a = actual.get(e.getKey());
      float[] b = e.getValue();
      org.assertj.core.api.Assertions.assertThat(a.length).as(e.getKey()).isEqualTo(b.length);
      for (int i = 0; i < b.length; i++) {
        org.assertj.core.api.Assertions.assertThat(a[i])
            .as("%s[%s]", e.getKey(), i)
            .isCloseTo(b[i], org.assertj.core.data.Offset.offset(tolerance));
      }
    }
  }
}
