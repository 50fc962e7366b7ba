/**
 * Batched autoregressive sampling with a KV cache, and the per-token sampler (temperature, top-k,
 * top-p, min-new-tokens) that reports full-softmax log-probabilities.
 */
package io.rlhf4j.djl.generate;
