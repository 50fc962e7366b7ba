/**
 * Tensors on the host: a shape and fp32 values ({@link io.rlhf4j.djl.tensor.Tensor}), produced on
 * demand ({@link io.rlhf4j.djl.tensor.TensorData}) and transformed lazily ({@link
 * io.rlhf4j.djl.tensor.Tensors}), and the error a malformed model file raises. The lowest layer of
 * rlhf-djl: models, file formats and tokenizers all build on it, so none of them depends on another
 * in a cycle.
 */
package io.rlhf4j.djl.tensor;
