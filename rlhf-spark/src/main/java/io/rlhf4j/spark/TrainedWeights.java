package io.rlhf4j.spark;

import io.rlhf4j.djl.tensor.Tensor;
import java.io.Serializable;
import java.util.Map;

/**
 * What changes between iterations and is broadcast each one: the trained parameters of the policy
 * and of the value model (a LoRA view's adapter and head; a fully fine-tuned model's every weight).
 *
 * @param version the iteration the weights make experience for; an executor that already holds this
 *     version loads nothing
 * @param policy the policy's own parameters
 * @param value the value model's own parameters, or null without one
 */
record TrainedWeights(long version, Map<String, Tensor> policy, Map<String, Tensor> value)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The payload's size in bytes (4 per fp32 value). */
  long bytes() {
    return WorkerBlueprint.bytes(policy) + (value == null ? 0 : WorkerBlueprint.bytes(value));
  }
}
