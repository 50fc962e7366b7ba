package io.rlhf4j.djl.train.rl;

import ai.djl.ndarray.NDArray;

/**
 * The policy-gradient term of the RL loss per token, on tensors, before aggregation: what GSPO,
 * CISPO or a caller's own loss changes (verl's {@code register_policy_loss}). The KL loss term, the
 * entropy bonus and the reduction ({@link io.rlhf4j.train.rl.LossAggregation}) are added by the
 * trainer around it, so a new loss is this one method; register it in {@link PolicyLosses} and name
 * it in {@code PpoConfig.Builder.policyLoss}. Its double-precision twin, for tests, is an {@link
 * io.rlhf4j.train.rl.SurrogateLoss}.
 *
 * <p>Arrays are [rows][time] of one micro-batch: whole rows, so a loss may look along a row (GSPO's
 * sequence ratio), never across rows. Values at padding are ignored by the reduction but must be
 * finite.
 */
@FunctionalInterface
public interface PolicyLoss {
  /**
   * ℓ_{b,t}, differentiable in {@code logp}.
   *
   * @param logp log π_θ of each sampled token, with its gradient
   * @param logpOld log π_old of the same tokens, constant
   * @param advantages A_{b,t}, constant
   * @param mask 1 on response tokens, 0 on padding
   */
  NDArray tokenLosses(NDArray logp, NDArray logpOld, NDArray advantages, NDArray mask);
}
