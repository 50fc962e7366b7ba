package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;

/** The normalisations over the last axis: RMSNorm (Llama family) and LayerNorm (GPT-2). */
final class Norm {
  private Norm() {}

  /**
   * RMSNorm x / sqrt(mean(x²) + ε) · w when {@code bias} is null, otherwise LayerNorm (x − mean) /
   * sqrt(var + ε) · w + b.
   */
  static NDArray apply(NDArray x, NDArray weight, NDArray bias, NDArray eps) {
    if (bias == null) {
      NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt();
      return x.div(rms).mul(weight);
    }
    NDArray centred = x.sub(x.mean(new int[] {-1}, true));
    NDArray std = centred.square().mean(new int[] {-1}, true).add(eps).sqrt();
    return centred.div(std).mul(weight).add(bias);
  }
}
