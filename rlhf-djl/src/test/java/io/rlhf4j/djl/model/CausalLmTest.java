package io.rlhf4j.djl.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.rlhf4j.djl.ReferenceTransformer;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The DJL forward pass against the independent double-precision reference. */
class CausalLmTest {
  @Test
  void aSequenceLongerThanTheContextIsAnErrorNotAClampedPosition() {
    // tinyLlama has 64 positions: 64 tokens run, 65 are refused (they were once given position 63).
    try (CausalLm model = CausalLm.random(TestModels.tinyLlama(), 1, Device.cpu());
        NDManager m = NDManager.newBaseManager()) {
      NDArray fits = m.zeros(new Shape(1, 64), ai.djl.ndarray.types.DataType.INT64);
      assertThat(model.hidden(fits, m.ones(new Shape(1, 64)), null).getShape())
          .isEqualTo(new Shape(1, 64, 16));
      NDArray tooLong = m.zeros(new Shape(1, 65), ai.djl.ndarray.types.DataType.INT64);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> model.hidden(tooLong, m.ones(new Shape(1, 65)), null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("a sequence of 65 tokens exceeds the model's context of 64 positions");
    }
  }

  private static final double MAX_RELATIVE_ERROR = 1e-4;

  @Test
  void stories260kLogitsMatchReferenceOnOriginalLlama2cLayout() throws Exception {
    int[] tokens = {1, 403, 407, 261, 378, 29, 341, 280, 266, 400, 260, 322, 313, 263, 42, 2};
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      ReferenceTransformer reference =
          new ReferenceTransformer(pm.model().config(), TestModels.storiesOriginalLayout(), true);
      assertClose(djlLogits(pm.model(), tokens), reference.logits(tokens));
    }
  }

  @Test
  void tinyQwen2StyleLogitsMatchReference() {
    ModelConfig config = TestModels.tinyLlama();
    Map<String, Tensor> weights =
        TestModels.perturbed(CausalLm.random(config, 3, Device.cpu()).toTensors(), 4);
    try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
      int[] tokens = {1, 5, 9, 3, 3, 7, 0, 10, 4, 2, 6, 8};
      assertClose(
          djlLogits(model, tokens),
          new ReferenceTransformer(config, weights, false).logits(tokens));
    }
  }

  @Test
  void tinyGpt2LogitsMatchReference() {
    ModelConfig config = TestModels.tinyGpt2();
    Map<String, Tensor> weights =
        TestModels.perturbed(CausalLm.random(config, 5, Device.cpu()).toTensors(), 6);
    try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
      int[] tokens = {12, 5, 9, 3, 3, 7, 0, 10, 4, 2, 11};
      assertClose(
          djlLogits(model, tokens),
          new ReferenceTransformer(config, weights, false).logits(tokens));
    }
  }

  @Test
  void scalarHeadReadsTheRequestedPosition() {
    ModelConfig config = TestModels.tinyLlama();
    try (CausalLm base = CausalLm.random(config, 1, Device.cpu());
        CausalLm rm = base.withScalarHead(2, Device.cpu());
        NDManager m = rm.manager().newSubManager()) {
      Map<String, Tensor> w = rm.toTensors();
      int[] tokens = {1, 4, 6, 8, 9};
      double[][] h = new ReferenceTransformer(config, w, false).hidden(tokens);
      NDArray ids = m.create(toLong(tokens), new Shape(1, tokens.length));
      NDArray hidden =
          rm.hidden(ids, ids.onesLike().toType(ai.djl.ndarray.types.DataType.FLOAT32, false), null);
      float[] score = rm.score(hidden, m.create(new long[] {2})).toFloatArray();
      double expected = w.get("score.bias").data()[0];
      for (int i = 0; i < config.hiddenSize(); i++) {
        expected += w.get("score.weight").data()[i] * h[2][i];
      }
      assertThat(score[0]).isCloseTo((float) expected, org.assertj.core.data.Offset.offset(1e-5f));
      // The head is initialised with std 1/sqrt(d+1), not left at zero.
      double ss = 0;
      for (float x : w.get("score.weight").data()) {
        ss += x * x;
      }
      assertThat(Math.sqrt(ss / config.hiddenSize()))
          .isBetween(0.5 / Math.sqrt(17), 2 / Math.sqrt(17));
    }
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    ModelConfig config = TestModels.tinyLlama();
    Map<String, Tensor> weights =
        TestModels.perturbed(CausalLm.random(config, 8, Device.cpu()).toTensors(), 9);
    int[] tokens = {1, 5, 9, 3, 7, 0};
    // Loss = Σ logits ⊙ R for a fixed random R: every logit contributes to the gradient.
    double[] r = new double[tokens.length * config.vocabSize()];
    Random random = new Random(10);
    for (int i = 0; i < r.length; i++) {
      r[i] = random.nextGaussian();
    }
    String[] names = {
      "layers.0.attn.q.weight",
      "layers.1.attn.k.bias",
      "layers.0.mlp.gate.weight",
      "layers.1.mlp_norm.weight",
      "embed.weight",
      "lm_head.weight",
      "norm.weight"
    };
    try (CausalLm model = CausalLm.fromTensors(config, weights, Device.cpu())) {
      model.setTrainable(true);
      float[][] grads = new float[names.length][];
      try (NDManager m = model.manager().newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray logits = forward(model, m, tokens);
        NDArray loss = logits.mul(m.create(toFloat(r), logits.getShape())).sum();
        gc.backward(loss);
        for (int i = 0; i < names.length; i++) {
          grads[i] = model.parameters().get(names[i]).getArray().getGradient().toFloatArray();
        }
      }
      ReferenceTransformer reference = new ReferenceTransformer(config, weights, false);
      for (int i = 0; i < names.length; i++) {
        float[] data = weights.get(names[i]).data();
        for (int probe = 0; probe < 3; probe++) {
          int j = random.nextInt(data.length);
          float saved = data[j];
          double h = 1e-4;
          data[j] = (float) (saved + h);
          double plus = dot(reference.logits(tokens), r);
          data[j] = (float) (saved - h);
          double minus = dot(reference.logits(tokens), r);
          data[j] = saved;
          double fd = (plus - minus) / (2 * h);
          assertThat((double) grads[i][j])
              .as("d loss / d %s[%s]", names[i], j)
              .isCloseTo(fd, org.assertj.core.data.Offset.offset(2e-3 + 2e-3 * Math.abs(fd)));
        }
      }
    }
  }

  static double dot(double[][] logits, double[] r) {
    double s = 0;
    int k = 0;
    for (double[] row : logits) {
      for (double v : row) {
        s += v * r[k++];
      }
    }
    return s;
  }

  static NDArray forward(CausalLm model, NDManager m, int[] tokens) {
    NDArray ids = m.create(toLong(tokens), new Shape(1, tokens.length));
    NDArray valid = m.ones(new Shape(1, tokens.length));
    return model.logits(model.hidden(ids, valid, null));
  }

  static double[][] djlLogits(CausalLm model, int[] tokens) {
    try (NDManager m = model.manager().newSubManager()) {
      float[] flat = forward(model, m, tokens).toFloatArray();
      int v = model.config().vocabSize();
      double[][] out = new double[tokens.length][v];
      for (int t = 0; t < tokens.length; t++) {
        for (int i = 0; i < v; i++) {
          out[t][i] = flat[t * v + i];
        }
      }
      return out;
    }
  }

  /** The largest absolute difference between two [T][V] arrays. */
  static double maxDifference(double[][] a, double[][] b) {
    double max = 0;
    for (int t = 0; t < a.length; t++) {
      for (int i = 0; i < a[t].length; i++) {
        max = Math.max(max, Math.abs(a[t][i] - b[t][i]));
      }
    }
    return max;
  }

  static void assertClose(double[][] actual, double[][] expected) {
    double maxDiff = 0;
    double maxAbs = 0;
    for (int t = 0; t < expected.length; t++) {
      for (int i = 0; i < expected[t].length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(actual[t][i] - expected[t][i]));
        maxAbs = Math.max(maxAbs, Math.abs(expected[t][i]));
      }
    }
    assertThat(maxAbs).isGreaterThan(0.1); // the comparison is not between two near-zero arrays
    assertThat(maxDiff / maxAbs).as("max relative error").isLessThan(MAX_RELATIVE_ERROR);
  }

  static long[] toLong(int[] a) {
    long[] out = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i];
    }
    return out;
  }

  static float[] toFloat(double[] a) {
    float[] out = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (float) a[i];
    }
    return out;
  }

  @Test
  void copySharesNoMemory() {
    try (CausalLm a = CausalLm.random(TestModels.tinyLlama(), 1, Device.cpu());
        CausalLm b = a.copy(Device.cpu())) {
      NDArray w = a.parameters().get("norm.weight").getArray();
      w.subi(1);
      assertThat(b.parameters().get("norm.weight").getArray().toFloatArray()[0]).isEqualTo(1f);
      assertThat(List.copyOf(b.parameters().keySet()))
          .isEqualTo(List.copyOf(a.parameters().keySet()));
    }
  }

  @Test
  void aTensorOverTwoGibIsRefusedByNameBeforeAnythingIsRead() {
    // 1.1M × 512 embedding rows: 2.1 GiB in fp32. Nothing may be read or allocated for it.
    ModelConfig config =
        ModelConfig.llama()
            .vocabSize(1_100_000)
            .hiddenSize(512)
            .intermediateSize(24)
            .numLayers(1)
            .numHeads(4)
            .maxPositions(64)
            .build();
    Map<String, io.rlhf4j.djl.tensor.TensorData> lazy = new java.util.LinkedHashMap<>();
    ParameterLayout.of(config)
        .forEach(
            (name, shape) ->
                lazy.put(
                    name,
                    new io.rlhf4j.djl.tensor.TensorData() {
                      @Override
                      public long[] shape() {
                        return shape;
                      }

                      @Override
                      public void fill(java.nio.FloatBuffer out) {
                        throw new AssertionError("read " + name);
                      }
                    }));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> CausalLm.fromTensors(config, lazy, Device.cpu()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tensor 'embed.weight' holds 563200000 values");
  }
}
