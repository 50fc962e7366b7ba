/**
 * The RL policy losses on tensors, open by name: PPO's clipped surrogate, GSPO's sequence ratio,
 * and whatever a caller registers in {@link io.rlhf4j.djl.train.rl.PolicyLosses}. Each is the
 * tensor twin of a double-precision {@link io.rlhf4j.train.rl.SurrogateLoss} in rlhf-core.
 */
package io.rlhf4j.djl.train.rl;
