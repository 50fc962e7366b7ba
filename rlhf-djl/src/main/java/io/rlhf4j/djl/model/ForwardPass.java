package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;

/**
 * What every layer of one forward pass shares, made once per pass rather than once per layer: a
 * decode step is bound by the number of engine calls, not by arithmetic.
 *
 * @param eps the norms' ε as a 0-d tensor
 * @param normEps the same ε as a number (libtorch's fused LayerNorm takes it so)
 * @param scale the attention's query scale (1/√hd, or Gemma's query_pre_attn_scalar^(−1/2))
 * @param angles RoPE's cosines and sines for this pass's positions, null without RoPE (GPT-2)
 * @param localAngles those of the windowed layers where they have their own RoPE base (Gemma 3)
 * @param bias the causal/padding attention bias [B, 1, 1, T, S]
 * @param windowedBias the same with the sliding window, null without a window
 * @param cache keys and values of earlier positions, written in place; null without
 * @param dropout whether a LoRA view applies its adapter dropout (SFT and reward training)
 */
record ForwardPass(
    NDArray eps,
    float normEps,
    NDArray scale,
    Rope.Angles angles,
    Rope.Angles localAngles,
    NDArray bias,
    NDArray windowedBias,
    KvCache cache,
    boolean dropout) {}
