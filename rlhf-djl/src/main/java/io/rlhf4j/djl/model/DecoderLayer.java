package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;

/**
 * One pre-norm transformer block: x + attention(norm(x)), then + mlp(norm(x)). The block a new
 * family changes is here and in {@link Attention} and {@link Mlp}; weights, adapters and loading
 * live elsewhere.
 */
final class DecoderLayer {
  private final LayerWeights w;
  private final Attention attention;
  private final Mlp mlp;

  DecoderLayer(ModelConfig config, int layer, LayerWeights w, Projector projector, Rope rope) {
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
    x = x.add(attention.forward(Norm.apply(x, w.attnNormW(), w.attnNormB(), pass.eps()), pass));
    return x.add(mlp.forward(Norm.apply(x, w.mlpNormW(), w.mlpNormB(), pass.eps()), pass));
  }
}
