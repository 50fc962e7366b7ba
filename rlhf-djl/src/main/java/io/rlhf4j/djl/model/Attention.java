package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.rlhf4j.djl.internal.engine.Scalars;
import io.rlhf4j.djl.internal.engine.Scopes;

/**
 * One layer's causal self-attention: softmax(q kᵀ / √hd + bias) v with grouped-query heads, q and k
 * rotated by RoPE (unless the layer has none) and, for Qwen3 and Gemma 3, each head's q and k
 * RMS-normalised first; a windowed layer sees only the last {@code sliding_window} keys; Gemma 2
 * soft-caps the scores.
 */
final class Attention {
  private final ModelConfig config;
  private final int layer;
  private final String prefix;
  private final LayerWeights w;
  private final Projector projector;
  private final Rope rope; // null: no RoPE in this layer (GPT-2, SmolLM3's NoPE layers)
  private final boolean local; // windowed: the sliding-window mask and, if any, the local RoPE
  private final boolean offsetNorms; // Gemma's q/k norms store their weights as offsets from 1

  Attention(ModelConfig config, int layer, LayerWeights w, Projector projector, Rope rope) {
    this.config = config;
    this.layer = layer;
    this.prefix = "layers." + layer + ".attn.";
    this.w = w;
    this.projector = projector;
    this.rope = rope;
    this.local = config.windowed(layer);
    this.offsetNorms = config.family() == ModelConfig.Family.GEMMA;
  }

  /** The attention output for normalised inputs {@code h} [B, T, D]. */
  NDArray forward(NDArray h, ForwardPass pass) {
    NDManager step = h.getManager();
    long b = h.getShape().get(0);
    long t = h.getShape().get(1);
    int heads = config.numHeads();
    int kvHeads = config.numKvHeads();
    int hd = config.headDim();
    int rep = heads / kvHeads;
    boolean dropout = pass.dropout();
    NDArray q = projector.project(h, w.q(), w.qb(), prefix + "q", dropout);
    NDArray k = projector.project(h, w.k(), w.kb(), prefix + "k", dropout);
    NDArray v = projector.project(h, w.v(), w.vb(), prefix + "v", dropout);
    if (projector.adapts(prefix + "qkv")) { // a fused q/k/v (GPT-2's c_attn, Phi-3's qkv_proj)
      NDList parts =
          projector
              .update(h, prefix + "qkv", dropout)
              .split(new long[] {config.qDim(), config.qDim() + config.kvDim()}, 2);
      q = q.add(parts.get(0));
      k = k.add(parts.get(1));
      v = v.add(parts.get(2));
    }
    q = q.reshape(b, t, heads, hd);
    k = k.reshape(b, t, kvHeads, hd);
    if (w.qNorm() != null) { // Qwen3, Gemma 3: each head's q and k RMS-normalised, before RoPE
      q = Norm.rms(q, w.qNorm(), pass.eps(), offsetNorms);
      k = Norm.rms(k, w.kNorm(), pass.eps(), offsetNorms);
    }
    q = q.transpose(0, 2, 1, 3);
    k = k.transpose(0, 2, 1, 3);
    v = v.reshape(b, t, kvHeads, hd).transpose(0, 2, 1, 3);
    if (rope != null) {
      Rope.Angles angles = local && pass.localAngles() != null ? pass.localAngles() : pass.angles();
      q = rope.rotate(q, angles);
      k = rope.rotate(k, angles);
    }
    if (pass.cache() != null) {
      NDArray[] kv = pass.cache().write(layer, k, v, step);
      k = kv[0];
      v = kv[1];
    }
    long s = k.getShape().get(2);
    // Query head j reads key head j / rep: fold the rep query heads of a group into its rows. The
    // scale goes on q, a pass over [B, H, T, hd] rather than over the [B, H, T, S] scores.
    NDArray scores =
        q.mul(pass.scale())
            .reshape(b, kvHeads, rep * t, hd)
            .matMul(Scopes.into(k.transpose(0, 1, 3, 2), step));
    if (config.attnSoftcap() > 0) { // Gemma 2: cap·tanh(score/cap), before the mask
      NDArray cap = Scalars.of(scores, config.attnSoftcap());
      scores = scores.div(cap).tanh().mul(cap);
    }
    scores = scores.reshape(b, kvHeads, rep, t, s).add(local ? pass.windowedBias() : pass.bias());
    NDArray y =
        scores
            .softmax(-1)
            .reshape(b, kvHeads, rep * t, s)
            .matMul(v)
            .reshape(b, heads, t, hd)
            .transpose(0, 2, 1, 3)
            .reshape(b, t, (long) heads * hd);
    return projector.project(y, w.o(), w.ob(), prefix + "o", dropout);
  }
}
