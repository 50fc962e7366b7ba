package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.rlhf4j.djl.internal.engine.Scalars;

/** The normalisations over the last axis: RMSNorm (Llama, Gemma) and LayerNorm (GPT-2). */
final class Norm {
  private Norm() {}

  /**
   * RMSNorm x / sqrt(mean(x²) + ε) · w when {@code bias} is null, otherwise LayerNorm (x − mean) /
   * sqrt(var + ε) · w + b, the latter through libtorch's fused layer_norm: one op forward and one
   * backward instead of nine of each, and a numerically steadier variance.
   *
   * @param eps ε as a 0-d tensor, for RMSNorm
   * @param normEps the same ε as a number, for the fused LayerNorm
   */
  static NDArray apply(NDArray x, NDArray weight, NDArray bias, NDArray eps, float normEps) {
    if (bias == null) {
      return rms(x, eps).mul(weight);
    }
    return x.getNDArrayInternal()
        .layerNorm(x, new Shape(x.getShape().tail()), weight, bias, normEps)
        .singletonOrThrow();
  }

  /**
   * Gemma's RMSNorm, whose weight is stored as an offset from 1: x / sqrt(mean(x²) + ε) · (1 + w).
   * Gemma checkpoints and their zero-initialised norms rely on the offset.
   */
  static NDArray offset(NDArray x, NDArray weight, NDArray eps) {
    return rms(x, eps).mul(weight.add(Scalars.of(x, 1)));
  }

  /** Either RMSNorm, as the family stores its weights. */
  static NDArray rms(NDArray x, NDArray weight, NDArray eps, boolean offset) {
    return offset ? offset(x, weight, eps) : rms(x, eps).mul(weight);
  }

  private static NDArray rms(NDArray x, NDArray eps) {
    return x.div(x.square().mean(new int[] {-1}, true).add(eps).sqrt());
  }
}
