package io.rlhf4j.djl.train;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDArray;

/**
 * The per-token tensors of one micro-batch that the RL policy loss reads, [rows][time] each. The
 * four every loss needs are given at once; the optional ones are added by name, so a new input
 * never shifts the others.
 *
 * @param logp log π_θ of each sampled token, with its gradient
 * @param logpOld log π_old of the same tokens, constant
 * @param advantages A_{b,t}, constant
 * @param mask 1 on response tokens, 0 on padding
 * @param logpRef log π_ref, for a KL loss term; null without one
 * @param entropy H_t with its gradient, for an entropy bonus; null without one
 * @param importanceWeights constant per-token weights on the policy-gradient term (truncated
 *     importance sampling); null for none
 */
public record PolicyTokens(
    NDArray logp,
    NDArray logpOld,
    NDArray advantages,
    NDArray mask,
    NDArray logpRef,
    NDArray entropy,
    NDArray importanceWeights) {
  /** Validates the inputs every loss needs. */
  public PolicyTokens {
    checkNotNull(logp, "logp");
    checkNotNull(logpOld, "logpOld");
    checkNotNull(advantages, "advantages");
    checkNotNull(mask, "mask");
  }

  /** The inputs every policy loss reads. */
  public static PolicyTokens of(NDArray logp, NDArray logpOld, NDArray advantages, NDArray mask) {
    return new PolicyTokens(logp, logpOld, advantages, mask, null, null, null);
  }

  /** With log π_ref, for a KL loss term. */
  public PolicyTokens withReference(NDArray value) {
    return new PolicyTokens(logp, logpOld, advantages, mask, value, entropy, importanceWeights);
  }

  /** With H_t, for an entropy bonus. */
  public PolicyTokens withEntropy(NDArray value) {
    return new PolicyTokens(logp, logpOld, advantages, mask, logpRef, value, importanceWeights);
  }

  /** With constant weights on the policy-gradient term. */
  public PolicyTokens withImportanceWeights(NDArray value) {
    return new PolicyTokens(logp, logpOld, advantages, mask, logpRef, entropy, value);
  }
}
