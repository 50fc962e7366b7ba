package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;
import java.util.function.Function;

/**
 * One decoder layer's weight arrays under their canonical names ({@link ParameterLayout}); an array
 * a family does not have (biases, the gate, the per-head norms, Gemma's norms after attention and
 * MLP) is null.
 */
record LayerWeights(
    NDArray attnNormW,
    NDArray attnNormB,
    NDArray q,
    NDArray qb,
    NDArray k,
    NDArray kb,
    NDArray qNorm,
    NDArray kNorm,
    NDArray v,
    NDArray vb,
    NDArray o,
    NDArray ob,
    NDArray mlpNormW,
    NDArray mlpNormB,
    NDArray attnPostNorm,
    NDArray mlpPostNorm,
    NDArray gate,
    NDArray up,
    NDArray upB,
    NDArray down,
    NDArray downB) {

  /** Layer {@code i}'s arrays, looked up by canonical name (null where absent). */
  static LayerWeights of(Function<String, NDArray> arrays, int i) {
    String p = "layers." + i + ".";
    return new LayerWeights(
        arrays.apply(p + "attn_norm.weight"),
        arrays.apply(p + "attn_norm.bias"),
        arrays.apply(p + "attn.q.weight"),
        arrays.apply(p + "attn.q.bias"),
        arrays.apply(p + "attn.k.weight"),
        arrays.apply(p + "attn.k.bias"),
        arrays.apply(p + "attn.q_norm.weight"),
        arrays.apply(p + "attn.k_norm.weight"),
        arrays.apply(p + "attn.v.weight"),
        arrays.apply(p + "attn.v.bias"),
        arrays.apply(p + "attn.o.weight"),
        arrays.apply(p + "attn.o.bias"),
        arrays.apply(p + "mlp_norm.weight"),
        arrays.apply(p + "mlp_norm.bias"),
        arrays.apply(p + "attn_post_norm.weight"),
        arrays.apply(p + "mlp_post_norm.weight"),
        arrays.apply(p + "mlp.gate.weight"),
        arrays.apply(p + "mlp.up.weight"),
        arrays.apply(p + "mlp.up.bias"),
        arrays.apply(p + "mlp.down.weight"),
        arrays.apply(p + "mlp.down.bias"));
  }
}
