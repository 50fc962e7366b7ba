package io.rlhf4j.djl.train.ppo;

import java.util.List;
import java.util.Map;

/**
 * One rollout batch after scoring: everything the update needs, on the host, row b being one
 * episode (prompt, sampled response). Per-token arrays are [B][R] with R the longest response;
 * {@code mask} is 1 on response tokens and 0 on padding. The fields come in named groups (what was
 * sampled, its log-probabilities, the estimator's targets, what it cost) so that no two arrays of
 * the same type stand side by side in a constructor.
 *
 * @param iteration the iteration that made it (its random streams derive from it)
 * @param episodes what was sampled and how it scored
 * @param mask response-token mask
 * @param logProbs the sampled tokens' log-probabilities under the sampler, π_old and π_ref
 * @param values V_old(s_t) of the state that emits each token, or null without a value model
 * @param targets per-token rewards, advantages and returns
 * @param beta the β the rewards were shaped with
 * @param cost the rollout's seconds and its own metrics
 */
public record Experience(
    long iteration,
    Episodes episodes,
    double[][] mask,
    LogProbs logProbs,
    double[][] values,
    Targets targets,
    double beta,
    Cost cost) {

  /** The number of episodes. */
  public int size() {
    return episodes.prompts().size();
  }

  /**
   * What was sampled, one row per episode.
   *
   * @param prompts prompt ids per row
   * @param responses the sampled response ids: the policy's actions, EOS included when emitted
   * @param endedWithEos whether each response ended by emitting EOS
   * @param groups the prompt each row was sampled for (rows of one prompt share it)
   * @param scores the reward's score of each response (after any missing-EOS replacement and
   *     overlong punishment)
   */
  public record Episodes(
      List<int[]> prompts,
      List<int[]> responses,
      boolean[] endedWithEos,
      int[] groups,
      double[] scores) {}

  /**
   * Log-probabilities of each sampled token, at the rollout temperature.
   *
   * @param rollout as the sampler computed them while decoding (truncated importance sampling's
   *     denominator)
   * @param old log π_old, recomputed by a full forward pass of the policy that sampled
   * @param reference log π_ref
   */
  public record LogProbs(double[][] rollout, double[][] old, double[][] reference) {}

  /**
   * What the advantage estimator made of the episodes.
   *
   * @param rewards per-token rewards −β·KL_t, with the score added at the last token
   * @param advantages the estimator's advantages
   * @param returns the value model's targets (GAE: advantages + values, before whitening), or null
   *     without a value model
   */
  public record Targets(double[][] rewards, double[][] advantages, double[][] returns) {}

  /**
   * What making the experience cost.
   *
   * @param generateSeconds time spent sampling, summed over the rollout's shards
   * @param scoreSeconds time spent scoring (reward, log-probabilities, values), summed over the
   *     shards
   * @param metrics the rollout's own metrics by name: a distributed backend's seconds (broadcast,
   *     collect), and with dynamic sampling the share of tied groups in the first round and the
   *     extra rounds it took; empty in process without dynamic sampling
   */
  public record Cost(double generateSeconds, double scoreSeconds, Map<String, Double> metrics) {}
}
