package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;

/**
 * What every layer of one forward pass shares, made once per pass rather than once per layer: a
 * decode step is bound by the number of engine calls, not by arithmetic.
 *
 * @param eps the norms' ε as a 0-d tensor
 * @param scale the attention's query scale, 1/√hd
 * @param angles RoPE's cosines and sines for this pass's positions, null without RoPE (GPT-2)
 * @param bias the causal/padding (and sliding-window) attention bias [B, 1, 1, T, S]
 * @param cache keys and values of earlier positions, written in place; null without
 * @param dropout whether a LoRA view applies its adapter dropout (SFT and reward training)
 */
record ForwardPass(
    NDArray eps, NDArray scale, Rope.Angles angles, NDArray bias, KvCache cache, boolean dropout) {}
