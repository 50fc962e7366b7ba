package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embeddings in Hugging Face's rotate-half convention: of a head's first r rotated
 * dims, dims i and i + r/2 turn together by the angle pos·θ_i, θ_i = base^(−2i/r); dims past r (a
 * partial rotary factor below 1, Phi-4-mini) pass through. Angles are computed per forward pass
 * from the positions, as transformers does, so there is no position table to outgrow.
 */
final class Rope {
  private final NDArray frequencies; // [hd]: θ per dim, 0 past the rotated dims
  private final NDArray longFrequencies; // longrope beyond the original context, else null
  private final NDArray rotation; // [hd, hd]: x·R = [−x₂, x₁, 0]
  private final NDArray scale; // [hd]: longrope's attention factor on rotated dims, else null
  private final int originalMaxPositions;

  /** The cosines and sines of one pass's angles, [B, 1, T, hd]. */
  record Angles(NDArray cos, NDArray sin) {}

  private Rope(
      NDArray frequencies,
      NDArray longFrequencies,
      NDArray rotation,
      NDArray scale,
      int originalMaxPositions) {
    this.frequencies = frequencies;
    this.longFrequencies = longFrequencies;
    this.rotation = rotation;
    this.scale = scale;
    this.originalMaxPositions = originalMaxPositions;
  }

  /** The RoPE of {@code c}'s global layers, its arrays in {@code manager}. */
  static Rope of(ModelConfig c, NDManager manager) {
    return make(c, c.ropeTheta(), c.ropeScaling(), manager);
  }

  /**
   * The RoPE of {@code c}'s windowed layers where they have their own base (Gemma 3: {@code
   * rope_local_base_freq}, never scaled), else null.
   */
  static Rope local(ModelConfig c, NDManager manager) {
    return c.localRopeTheta() > 0 ? make(c, c.localRopeTheta(), null, manager) : null;
  }

  private static Rope make(ModelConfig c, double base, RopeScaling scaling, NDManager manager) {
    int hd = c.headDim();
    int r = c.rotaryDim();
    // The half-swap [−x₂, x₁] is one matmul with a fixed ±1 matrix: fewer engine calls than
    // slice-negate-concat.
    float[] swap = new float[hd * hd];
    for (int j = 0; j < r / 2; j++) {
      swap[(j + r / 2) * hd + j] = -1;
      swap[j * hd + j + r / 2] = 1;
    }
    NDArray scale = null;
    if (scaling != null && scaling.attentionFactor() != 1) {
      float[] s = new float[hd];
      for (int i = 0; i < hd; i++) {
        s[i] = i < r ? (float) scaling.attentionFactor() : 1f;
      }
      scale = manager.create(s, new Shape(hd));
    }
    boolean longrope = scaling != null && scaling.dependsOnLength();
    return new Rope(
        frequencies(hd, r, base, scaling, false, manager),
        longrope ? frequencies(hd, r, base, scaling, true, manager) : null,
        manager.create(swap, new Shape(hd, hd)),
        scale,
        longrope ? scaling.originalMaxPositions() : 0);
  }

  private static NDArray frequencies(
      int hd, int r, double base, RopeScaling scaling, boolean beyond, NDManager manager) {
    float[] inverse = new float[hd]; // past r: 0, an angle of 0 leaves those dims alone
    for (int i = 0; i < r / 2; i++) {
      double theta = Math.pow(base, -2.0 * i / r);
      if (scaling != null) {
        theta = scaling.apply(i, theta, beyond);
      }
      inverse[i] = inverse[i + r / 2] = (float) theta;
    }
    return manager.create(inverse, new Shape(hd));
  }

  /** The angles for positions [B, T] (int64). */
  Angles angles(NDArray positions) {
    NDArray theta = frequencies;
    if (longFrequencies != null
        && positions.max().toType(DataType.INT64, false).getLong() + 1 > originalMaxPositions) {
      // transformers' longrope switches per forward on max(position) + 1 (one host read).
      theta = longFrequencies;
    }
    NDArray angles = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(theta);
    NDArray cos = angles.cos();
    NDArray sin = angles.sin();
    if (scale != null) {
      cos = cos.mul(scale);
      sin = sin.mul(scale);
    }
    return new Angles(cos.expandDims(1), sin.expandDims(1));
  }

  /** x·cos + [−x₂, x₁, 0]·sin for x [B, heads, T, hd]. */
  NDArray rotate(NDArray x, Angles a) {
    return x.mul(a.cos()).add(x.matMul(rotation).mul(a.sin()));
  }
}
