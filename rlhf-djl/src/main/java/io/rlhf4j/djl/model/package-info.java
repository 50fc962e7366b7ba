/**
 * The model on DJL NDArrays: {@link io.rlhf4j.djl.model.CausalLm} (Llama family and GPT-2, LM and
 * scalar heads), its configuration and parameter layout, the KV cache, batching, the policy and
 * reward-model adapters, and the per-thread grad mode.
 */
package io.rlhf4j.djl.model;
