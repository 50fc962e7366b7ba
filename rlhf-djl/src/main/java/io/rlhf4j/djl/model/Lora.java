package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;
import io.rlhf4j.djl.internal.engine.Scalars;
import io.rlhf4j.djl.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * LoRA's arithmetic, next to its equations ({@link LoraConfig}): the parameters of an adapter, the
 * update a projection gains, and the merge of that update into the frozen weight. Parameters are
 * named after their module: {@code layers.3.attn.q.lora_A} [r, in], {@code ...lora_B} [out, r].
 */
public final class Lora {
  private Lora() {}

  /** The name of module {@code name}'s A matrix. */
  public static String a(String name) {
    return name + ".lora_A";
  }

  /** The name of module {@code name}'s B matrix. */
  public static String b(String name) {
    return name + ".lora_B";
  }

  /**
   * A fresh adapter, as PEFT initialises one: A ~ U(−1/√in, 1/√in) (Kaiming-uniform with a = √5), B
   * = 0, so the adapted model starts as the base model.
   */
  static Map<String, Tensor> init(List<LoraLayout.Module> modules, LoraConfig config) {
    Random random = new Random(config.seed());
    Map<String, Tensor> out = new LinkedHashMap<>();
    int r = config.rank();
    for (LoraLayout.Module m : modules) {
      float[] a = new float[r * m.in()];
      double bound = 1 / Math.sqrt(m.in());
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) ((2 * random.nextDouble() - 1) * bound);
      }
      out.put(a(m.name()), new Tensor(new long[] {r, m.in()}, a));
      out.put(b(m.name()), new Tensor(new long[] {m.out(), r}, new float[m.out() * r]));
    }
    return out;
  }

  /**
   * The update a projection gains: s · B (A · dropout(x)), as x [.., in] → [.., out].
   *
   * @param dropout the share of inputs dropped, 0 for none
   */
  static NDArray update(NDArray x, NDArray a, NDArray b, double scaling, double dropout) {
    NDArray in = dropout > 0 ? x.getNDArrayInternal().dropout(x, (float) dropout, true).head() : x;
    NDArray low = in.getNDArrayInternal().linear(in, a, null).singletonOrThrow();
    NDArray up = low.getNDArrayInternal().linear(low, b, null).singletonOrThrow();
    return up.mul(Scalars.of(up, scaling));
  }

  /**
   * One adapter equal to two on the same modules, applied one after the other (the second trained
   * on the first's merged model): with A = [A₁; A₂] stacked by rows, B = [s₁B₁, s₂B₂] side by side
   * and s = 1, B·A = s₁B₁A₁ + s₂B₂A₂ exactly. Its rank is r₁ + r₂ (alpha the same, so s = 1).
   *
   * @return the adapter's configuration and its parameters
   */
  public static Stacked stack(
      List<LoraLayout.Module> modules,
      LoraConfig first,
      Map<String, Tensor> firstTensors,
      LoraConfig second,
      Map<String, Tensor> secondTensors) {
    int r1 = first.rank();
    int r2 = second.rank();
    int r = r1 + r2;
    LoraConfig config =
        new LoraConfig(r, r, second.dropout(), second.targetModules(), second.seed());
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (LoraLayout.Module m : modules) {
      Tensor a1 = firstTensors.get(a(m.name()));
      Tensor a2 = secondTensors.get(a(m.name()));
      float[] a = new float[r * m.in()];
      System.arraycopy(a1.data(), 0, a, 0, r1 * m.in());
      System.arraycopy(a2.data(), 0, a, r1 * m.in(), r2 * m.in());
      out.put(a(m.name()), new Tensor(new long[] {r, m.in()}, a));
      Tensor b1 = firstTensors.get(b(m.name()));
      Tensor b2 = secondTensors.get(b(m.name()));
      float[] b = new float[m.out() * r];
      for (int o = 0; o < m.out(); o++) {
        for (int k = 0; k < r1; k++) {
          b[o * r + k] = (float) (first.scaling() * b1.data()[o * r1 + k]);
        }
        for (int k = 0; k < r2; k++) {
          b[o * r + r1 + k] = (float) (second.scaling() * b2.data()[o * r2 + k]);
        }
      }
      out.put(b(m.name()), new Tensor(new long[] {m.out(), r}, b));
    }
    secondTensors.forEach(
        (name, t) -> {
          if (name.startsWith("score.")) {
            out.put(name, t);
          }
        });
    return new Stacked(config, out);
  }

  /**
   * An adapter built by {@link #stack}.
   *
   * @param config its configuration
   * @param tensors its parameters
   */
  public record Stacked(LoraConfig config, Map<String, Tensor> tensors) {}

  /** The merged weight's update, ΔW = s · B A, [out, in], on the host in double precision. */
  public static float[] delta(Tensor a, Tensor b, double scaling) {
    int r = (int) a.shape()[0];
    int in = (int) a.shape()[1];
    int out = (int) b.shape()[0];
    float[] d = new float[out * in];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        double sum = 0;
        for (int k = 0; k < r; k++) {
          sum += (double) b.data()[o * r + k] * a.data()[k * in + i];
        }
        d[o * in + i] = (float) (scaling * sum);
      }
    }
    return d;
  }
}
