package io.rlhf4j.djl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.internal.engine.GradMode;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Recomputing each layer in the backward pass must give the gradients one backward pass through the
 * whole model gives: every parameter's, for a RoPE family with padding and for GPT-2's learned
 * positions and LayerNorm.
 */
class GradientCheckpointingTest {

  @Test
  void llamaGradientsEqualThoseOfOneBackwardPass() {
    sameGradients(TestModels.tinyLlama());
  }

  @Test
  void gpt2GradientsEqualThoseOfOneBackwardPass() {
    sameGradients(TestModels.tinyGpt2());
  }

  private static void sameGradients(ModelConfig config) {
    try (CausalLm model =
        CausalLm.fromTensors(config, TestModels.randomWeights(config, 3), Device.cpu())) {
      model.setTrainable(true);
      float[] plainLoss = new float[1];
      Map<String, float[]> plain =
          gradients(
              model,
              (m, ids, valid, loss, c) -> {
                NDArray l = loss.apply(model.hidden(ids, valid, null));
                plainLoss[0] = l.getFloat();
                c.backward(l);
              });
      float[] recomputedLoss = new float[1];
      Map<String, float[]> recomputed =
          gradients(
              model,
              (m, ids, valid, loss, c) ->
                  recomputedLoss[0] = model.backwardRecomputing(ids, valid, loss, c));
      assertThat(recomputedLoss[0]).isCloseTo(plainLoss[0], within(1e-5f));
      assertThat(recomputed.keySet()).isEqualTo(plain.keySet());
      for (Map.Entry<String, float[]> e : plain.entrySet()) {
        float[] want = e.getValue();
        float[] got = recomputed.get(e.getKey());
        double scale = 0;
        for (float w : want) {
          scale = Math.max(scale, Math.abs(w));
        }
        assertThat(scale).as("%s has a gradient", e.getKey()).isGreaterThan(0);
        for (int i = 0; i < want.length; i++) {
          assertThat((double) got[i])
              .as("%s[%s]", e.getKey(), i)
              .isCloseTo(want[i], within(1e-5 * scale + 1e-7));
        }
      }
    }
  }

  private interface Backward {
    void run(
        NDManager m,
        NDArray ids,
        NDArray valid,
        Function<NDArray, NDArray> loss,
        GradientCollector collector);
  }

  // The gradients of Σ logits ⊙ R over the real tokens of two rows, the second left-padded.
  private static Map<String, float[]> gradients(CausalLm model, Backward backward) {
    Random random = new Random(11);
    try (NDManager m = model.manager().newSubManager();
        GradientCollector collector = GradMode.collector()) {
      NDArray ids = m.create(new long[] {1, 4, 7, 2, 9, 0, 0, 5, 3, 8}, new Shape(2, 5));
      NDArray valid = m.create(new float[] {1, 1, 1, 1, 1, 0, 0, 1, 1, 1}, new Shape(2, 5));
      long vocab = model.config().vocabSize();
      float[] r = new float[(int) (2 * 5 * vocab)];
      for (int i = 0; i < r.length; i++) {
        r[i] = (float) random.nextGaussian();
      }
      NDArray weights = m.create(r, new Shape(2, 5, vocab)).mul(valid.expandDims(-1));
      backward.run(m, ids, valid, h -> model.logits(h).mul(weights).sum(), collector);
    }
    Map<String, float[]> grads = TestModels.gradients(model);
    model
        .parameters()
        .values()
        .forEach(
            p -> {
              try (NDArray g = p.getArray().getGradient()) {
                g.subi(g); // zero for the next run
              }
            });
    return grads;
  }
}
