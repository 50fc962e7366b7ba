package io.rlhf4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** AdamW against an independent plain-Java double-precision AdamW on real model gradients. */
class AdamWTest {
  private static final AdamWConfig CONFIG =
      new AdamWConfig(1e-2, 0.9, 0.95, 1e-8, 0.1, 0.05); // small max norm: clipping is active

  /** Backward of Σ logits ⊙ R; returns the gradients by parameter name. */
  private static Map<String, float[]> backward(CausalLm model, long seed) {
    Random random = new Random(seed);
    try (NDManager m = model.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray ids = m.create(new long[] {1, 4, 7, 2, 9}, new Shape(1, 5));
      NDArray logits = model.logits(model.hidden(ids, m.ones(new Shape(1, 5)), null));
      float[] r = new float[(int) logits.size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = (float) random.nextGaussian();
      }
      gc.backward(logits.mul(m.create(r, logits.getShape())).sum());
    }
    return TestModels.gradients(model);
  }

  /** The reference: PyTorch's AdamW written out in doubles. */
  private static final class ReferenceAdamW {
    final Map<String, double[]> p = new LinkedHashMap<>();
    final Map<String, double[]> m = new LinkedHashMap<>();
    final Map<String, double[]> v = new LinkedHashMap<>();
    int t;

    ReferenceAdamW(Map<String, Tensor> params) {
      params.forEach(
          (name, tensor) -> {
            double[] x = new double[tensor.data().length];
            for (int i = 0; i < x.length; i++) {
              x[i] = tensor.data()[i];
            }
            p.put(name, x);
            m.put(name, new double[x.length]);
            v.put(name, new double[x.length]);
          });
    }

    void step(Map<String, float[]> grads, double lr) {
      t++;
      double sq = 0;
      for (float[] g : grads.values()) {
        for (float x : g) {
          sq += (double) x * x;
        }
      }
      double norm = Math.sqrt(sq);
      double clip = norm > CONFIG.maxGradNorm() ? CONFIG.maxGradNorm() / (norm + 1e-6) : 1;
      for (String name : p.keySet()) {
        double[] x = p.get(name);
        double[] mm = m.get(name);
        double[] vv = v.get(name);
        float[] g = grads.get(name);
        boolean decay = !(name.endsWith(".bias") || name.contains("norm"));
        for (int i = 0; i < x.length; i++) {
          double gi = g[i] * clip;
          if (decay) {
            x[i] *= 1 - lr * CONFIG.weightDecay();
          }
          mm[i] = CONFIG.beta1() * mm[i] + (1 - CONFIG.beta1()) * gi;
          vv[i] = CONFIG.beta2() * vv[i] + (1 - CONFIG.beta2()) * gi * gi;
          double mHat = mm[i] / (1 - Math.pow(CONFIG.beta1(), t));
          double vHat = vv[i] / (1 - Math.pow(CONFIG.beta2(), t));
          x[i] -= lr * mHat / (Math.sqrt(vHat) + CONFIG.epsilon());
        }
      }
    }
  }

  @Test
  void matchesReferenceAdamWWithClippingDecayAndSchedule() {
    // The default on the CPU: one pass over host memory.
    matchesReference(AdamW.CHUNK, HostAdamW.UNIT);
  }

  @Test
  void theHostPassSplitIntoUnitsOfSevenValuesMatchesTheReferenceToo() {
    // Units of 7 values on libtorch's threads: every array of the tiny model is split, uneven units
    // included, and threads interleave; each value is still updated exactly once.
    matchesReference(AdamW.CHUNK, 7);
  }

  @Test
  void libtorchsUpdateMatchesTheReferenceWholeAndInBlocksOfRows() {
    // The update a GPU runs: libtorch's operators, on whole parameters and on blocks of 7 values
    // (uneven last blocks included), which must write through to parameters, moments, gradients.
    matchesReference(AdamW.CHUNK, 0);
    matchesReference(7, 0);
  }

  private void matchesReference(long chunk, int hostUnit) {
    try (CausalLm model =
        CausalLm.fromTensors(
            TestModels.tinyLlama(),
            TestModels.perturbed(
                CausalLm.random(TestModels.tinyLlama(), 1, Device.cpu()).toTensors(), 2),
            Device.cpu())) {
      model.setTrainable(true);
      ReferenceAdamW reference = new ReferenceAdamW(model.toTensors());
      try (AdamW adam = new AdamW(CONFIG, model.parameters(), model.manager(), chunk, hostUnit)) {
        double[] factors = {0.5, 1.0, 0.8};
        for (int step = 0; step < 3; step++) {
          Map<String, float[]> grads = backward(model, step);
          reference.step(grads, CONFIG.learningRate() * factors[step]);
          double norm = adam.step(factors[step]);
          assertThat(norm).isGreaterThan(CONFIG.maxGradNorm());
        }
        Map<String, Tensor> actual = model.toTensors();
        for (String name : reference.p.keySet()) {
          double[] expected = reference.p.get(name);
          float[] got = actual.get(name).data();
          for (int i = 0; i < got.length; i++) {
            assertThat((double) got[i]).as("%s[%s]", name, i).isCloseTo(expected[i], within(2e-6));
          }
        }
        // Gradients were zeroed by the step.
        try (NDArray g = model.parameters().get("norm.weight").getArray().getGradient()) {
          assertThat(g.abs().sum().getFloat()).isZero();
        }
      }
    }
  }

  @Test
  void restoredStateContinuesExactly() {
    Map<String, Tensor> init =
        TestModels.perturbed(
            CausalLm.random(TestModels.tinyLlama(), 1, Device.cpu()).toTensors(), 2);
    Map<String, Tensor> straight;
    try (CausalLm model = CausalLm.fromTensors(TestModels.tinyLlama(), init, Device.cpu());
        AdamW adam = new AdamW(CONFIG, model.parameters(), model.manager())) {
      model.setTrainable(true);
      for (int step = 0; step < 3; step++) {
        backward(model, step);
        adam.step(1.0);
      }
      straight = model.toTensors();
    }
    Map<String, Tensor> afterTwo;
    Map<String, Tensor> state;
    try (CausalLm model = CausalLm.fromTensors(TestModels.tinyLlama(), init, Device.cpu());
        AdamW adam = new AdamW(CONFIG, model.parameters(), model.manager())) {
      model.setTrainable(true);
      for (int step = 0; step < 2; step++) {
        backward(model, step);
        adam.step(1.0);
      }
      afterTwo = model.toTensors();
      state = adam.state();
    }
    try (CausalLm model = CausalLm.fromTensors(TestModels.tinyLlama(), afterTwo, Device.cpu());
        AdamW adam = new AdamW(CONFIG, model.parameters(), model.manager())) {
      model.setTrainable(true);
      adam.restore(state, 2);
      backward(model, 2);
      adam.step(1.0);
      Map<String, Tensor> resumed = model.toTensors();
      for (String name : straight.keySet()) {
        assertThat(resumed.get(name).data()).as(name).containsExactly(straight.get(name).data());
      }
    }
  }
}
