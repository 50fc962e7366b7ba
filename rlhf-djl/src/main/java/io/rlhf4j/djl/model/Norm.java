package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;
import io.rlhf4j.djl.internal.engine.Scalars;

/** The normalisations over the last axis: RMSNorm (Llama, Gemma) and LayerNorm (GPT-2). */
final class Norm {
  private Norm() {}

  /**
   * RMSNorm x / sqrt(mean(x²) + ε) · w when {@code bias} is null, otherwise LayerNorm (x − mean) /
   * sqrt(var + ε) · w + b.
   */
  static NDArray apply(NDArray x, NDArray weight, NDArray bias, NDArray eps) {
    if (bias == null) {
      return rms(x, eps).mul(weight);
    }
    NDArray centred = x.sub(x.mean(new int[] {-1}, true));
    NDArray std = centred.square().mean(new int[] {-1}, true).add(eps).sqrt();
    return centred.div(std).mul(weight).add(bias);
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
    return offset ? offset(x, weight, eps) : apply(x, weight, null, eps);
  }

  private static NDArray rms(NDArray x, NDArray eps) {
    return x.div(x.square().mean(new int[] {-1}, true).add(eps).sqrt());
  }
}
