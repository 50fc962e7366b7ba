package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embeddings in Hugging Face's rotate-half convention: a head's dims i and i + hd/2
 * are rotated together by the angle pos·θ_i. Angles are computed per forward pass from the
 * positions, as transformers does, so there is no position table to outgrow.
 */
final class Rope {
  private final NDArray frequencies; // [hd]: θ_0..θ_{hd/2-1}, repeated for the second half
  private final NDArray rotation; // [hd, hd]: x·R = [−x₂, x₁]

  /** The cosines and sines of one pass's angles, [B, 1, T, hd]. */
  record Angles(NDArray cos, NDArray sin) {}

  private Rope(NDArray frequencies, NDArray rotation) {
    this.frequencies = frequencies;
    this.rotation = rotation;
  }

  /** The RoPE of {@code c}, its arrays in {@code manager}. */
  static Rope of(ModelConfig c, NDManager manager) {
    int hd = c.headDim();
    int half = hd / 2;
    // θ_i = theta^(−2i/hd), rescaled where the config says so.
    float[] inverse = new float[hd];
    for (int i = 0; i < half; i++) {
      double theta = Math.pow(c.ropeTheta(), -2.0 * i / hd);
      if (c.ropeScaling() != null) {
        theta = c.ropeScaling().apply(theta);
      }
      inverse[i] = inverse[i + half] = (float) theta;
    }
    // The half-swap [−x₂, x₁] is one matmul with a fixed ±1 matrix: fewer engine calls than
    // slice-negate-concat.
    float[] r = new float[hd * hd];
    for (int j = 0; j < half; j++) {
      r[(j + half) * hd + j] = -1;
      r[j * hd + j + half] = 1;
    }
    return new Rope(manager.create(inverse, new Shape(hd)), manager.create(r, new Shape(hd, hd)));
  }

  /** The angles for positions [B, T] (int64). */
  Angles angles(NDArray positions) {
    NDArray angles = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(frequencies);
    return new Angles(angles.cos().expandDims(1), angles.sin().expandDims(1));
  }

  /** x·cos + [−x₂, x₁]·sin for x [B, heads, T, hd]. */
  NDArray rotate(NDArray x, Angles a) {
    return x.mul(a.cos()).add(x.matMul(rotation).mul(a.sin()));
  }
}
