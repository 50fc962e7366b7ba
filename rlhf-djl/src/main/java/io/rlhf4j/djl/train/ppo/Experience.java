package io.rlhf4j.djl.train.ppo;

import java.util.List;
import java.util.Map;

/**
 * One rollout batch after scoring: everything the update needs, on the host, row b being one
 * episode (prompt, sampled response). Per-token arrays are [B][R] with R the longest response;
 * {@code mask} is 1 on response tokens and 0 on padding.
 *
 * @param iteration the iteration that made it (its random streams derive from it)
 * @param prompts prompt ids per row
 * @param responses the sampled response ids: the policy's actions, EOS included when emitted
 * @param endedWithEos whether each response ended by emitting EOS
 * @param groups the prompt each row was sampled for (rows of one prompt share it)
 * @param scores the reward model's score of each response (after any missing-EOS replacement)
 * @param mask response-token mask
 * @param logProbs log π_old of each sampled token at the rollout temperature
 * @param refLogProbs log π_ref of each sampled token at the same temperature
 * @param values V_old(s_t) of the state that emits each token, or null without a value model
 * @param rewards per-token rewards −β·KL_t, with the score added at the last token
 * @param advantages the estimator's advantages
 * @param returns the value model's targets (GAE: advantages + values, before whitening), or null
 *     without a value model
 * @param beta the β the rewards were shaped with
 * @param generateSeconds time spent sampling, summed over the rollout's shards
 * @param scoreSeconds time spent scoring (reward model, log-probabilities, values), summed over the
 *     shards
 * @param rolloutMetrics the rollout's own metrics by name: a distributed backend's seconds
 *     (broadcast, collect), and with dynamic sampling the share of tied groups in the first round
 *     and the extra rounds it took; empty in process without dynamic sampling
 */
public record Experience(
    long iteration,
    List<int[]> prompts,
    List<int[]> responses,
    boolean[] endedWithEos,
    int[] groups,
    double[] scores,
    double[][] mask,
    double[][] logProbs,
    double[][] refLogProbs,
    double[][] values,
    double[][] rewards,
    double[][] advantages,
    double[][] returns,
    double beta,
    double generateSeconds,
    double scoreSeconds,
    Map<String, Double> rolloutMetrics) {

  /** The number of episodes. */
  public int size() {
    return prompts.size();
  }
}
