package io.rlhf4j.train.rl;

/**
 * The policy-gradient part of an RL loss per token, before aggregation: PPO's clipped surrogate,
 * GSPO's sequence-ratio surrogate, or the caller's own. Plain double precision; the tensor losses
 * the trainers run are tested against these.
 */
public interface SurrogateLoss {
  /**
   * ℓ_{b,t} for every token, [rows][time] arrays; values at padding (mask 0) are ignored.
   *
   * @param logp log π_θ of each sampled token
   * @param logpOld log π_old of the same tokens (the policy that made the rollout)
   * @param advantages A_{b,t}
   * @param mask 1 on response tokens
   */
  double[][] tokenLosses(
      double[][] logp, double[][] logpOld, double[][] advantages, double[][] mask);
}
