package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.rlhf4j.djl.internal.engine.Scalars;

/**
 * One layer's feed-forward block: Llama's down(silu(gate h) ⊙ up h), Gemma's down(gelu(gate h) ⊙ up
 * h), GPT-2's down(gelu(up h)), the GELUs in their tanh form.
 */
final class Mlp {
  private final boolean gated;
  private final boolean geluGate;
  private final String prefix;
  private final LayerWeights w;
  private final Projector projector;

  Mlp(ModelConfig config, int layer, LayerWeights w, Projector projector) {
    this.gated = config.family() != ModelConfig.Family.GPT2;
    this.geluGate = config.family() == ModelConfig.Family.GEMMA;
    this.prefix = "layers." + layer + ".mlp.";
    this.w = w;
    this.projector = projector;
  }

  /** The block's output for normalised inputs {@code h} [B, T, D]. */
  NDArray forward(NDArray h, ForwardPass pass) {
    boolean dropout = pass.dropout();
    if (!gated) {
      NDArray up = geluTanh(projector.project(h, w.up(), w.upB(), prefix + "up", dropout));
      return projector.project(up, w.down(), w.downB(), prefix + "down", dropout);
    }
    NDArray gate = projector.project(h, w.gate(), null, prefix + "gate", dropout);
    NDArray up = projector.project(h, w.up(), null, prefix + "up", dropout);
    if (projector.adapts(prefix + "gate_up")) { // Phi-3's fused gate_up_proj: one adapter
      NDList parts = projector.update(h, prefix + "gate_up", dropout).split(2, 2);
      gate = gate.add(parts.get(0));
      up = up.add(parts.get(1));
    }
    NDArray hiddenAct = geluGate ? geluTanh(gate) : gate.mul(gate.getNDArrayInternal().sigmoid());
    return projector.project(hiddenAct.mul(up), w.down(), null, prefix + "down", dropout);
  }

  // GELU, tanh approximation: 0.5·x·(1 + tanh(z)) with z = √(2/π)·(x + 0.044715·x³), written as
  // x·σ(2z) (the same function, since 0.5·(1 + tanh z) = σ(2z)) with 2z = x·(c₁ + c₃·x²): six
  // element-wise ops instead of nine, each a pass over [B, T, 4D] in the forward and more in the
  // backward.
  static NDArray geluTanh(NDArray x) {
    double c1 = 2 * Math.sqrt(2 / Math.PI);
    NDArray twiceZ = x.square().mul(Scalars.of(x, c1 * 0.044715)).add(Scalars.of(x, c1)).mul(x);
    return x.mul(twiceZ.getNDArrayInternal().sigmoid());
  }
}
