package io.rlhf4j.model;

import java.util.List;

/**
 * r(x, y): a scalar judgement of a response to a prompt. A learned model (a causal trunk with a
 * scalar head read at the last response token) or any program, such as a simulated rater.
 */
public interface RewardModel {
  /**
   * Scores a batch of (prompt, response) pairs.
   *
   * @param prompts token ids of each prompt
   * @param responses token ids of each response, same count as prompts
   * @return one score per pair, in order
   */
  double[] score(List<int[]> prompts, List<int[]> responses);
}
