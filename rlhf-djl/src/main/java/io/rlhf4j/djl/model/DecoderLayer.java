package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;

/**
 * One pre-norm transformer block: x + attention(norm(x)), then + mlp(norm(x)); Gemma normalises
 * each branch's output too, x + norm(attention(norm(x))). The block a new family changes is here
 * and in {@link Attention} and {@link Mlp}; weights, adapters and loading live elsewhere.
 */
final class DecoderLayer {
  private final boolean gemma;
  private final LayerWeights w;
  private final Attention attention;
  private final Mlp mlp;

  DecoderLayer(ModelConfig config, int layer, LayerWeights w, Projector projector, Rope rope) {
    this.gemma = config.family() == ModelConfig.Family.GEMMA;
    this.w = w;
    // SmolLM3's NoPE layers have no RoPE at all.
    Rope layerRope = config.noRopeLayers().contains(layer) ? null : rope;
    this.attention = new Attention(config, layer, w, projector, layerRope);
    this.mlp = new Mlp(config, layer, w, projector);
  }

  /** The arrays this layer computes with (shared by a LoRA view with its base). */
  LayerWeights weights() {
    return w;
  }

  /** The residual stream after this block, for the stream {@code x} [B, T, D] before it. */
  NDArray forward(NDArray x, ForwardPass pass) {
    NDArray eps = pass.eps();
    if (gemma) {
      NDArray a = attention.forward(Norm.offset(x, w.attnNormW(), eps), pass);
      x = x.add(Norm.offset(a, w.attnPostNorm(), eps));
      NDArray m = mlp.forward(Norm.offset(x, w.mlpNormW(), eps), pass);
      return x.add(Norm.offset(m, w.mlpPostNorm(), eps));
    }
    float e = pass.normEps();
    x = x.add(attention.forward(Norm.apply(x, w.attnNormW(), w.attnNormB(), eps, e), pass));
    return x.add(mlp.forward(Norm.apply(x, w.mlpNormW(), w.mlpNormB(), eps, e), pass));
  }
}
