package io.rlhf4j.train.rl;

/**
 * Turns a rollout's rewards into per-token advantages (verl's and OpenRLHF's pluggable estimator).
 * A new algorithm of the REINFORCE family is one implementation of this and its test.
 */
public interface AdvantageEstimator {
  /** Advantages (and, with a critic, returns) for the rollout. */
  Advantages estimate(EstimatorInput input);

  /** Whether it needs a value model; without one the trainer builds none. */
  default boolean needsCritic() {
    return false;
  }

  /** Whether it compares samples of the same prompt, and so needs groups of two or more. */
  default boolean needsGroups() {
    return false;
  }
}
