package io.rlhf4j.djl.train.rollout;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What a worker made of one {@link RolloutShard}, on the host: everything that depends on the
 * policy's samples and is computed by models. Per-token arrays are [rows][R] with R this shard's
 * longest response, masked to 0 beyond each response.
 *
 * @param index the shard's index
 * @param firstRow the shard's first batch row
 * @param responses the sampled response ids, EOS included when emitted
 * @param endedWithEos whether each response ended by emitting EOS
 * @param scores the reward model's score of each response (after any missing-EOS replacement)
 * @param mask 1 on response tokens
 * @param rolloutLogProbs log π of each sampled token as the sampler computed it while decoding
 *     (cached keys and values, the executor's copy of the weights): what truncated importance
 *     sampling corrects towards log π_old
 * @param logProbs log π_old of each sampled token at the rollout temperature
 * @param refLogProbs log π_ref of the same tokens
 * @param values V_old(s_t), or null without a value model
 * @param generateSeconds wall time the worker spent sampling
 * @param scoreSeconds wall time the worker spent scoring (reward, log-probabilities, values)
 * @param turnRewards an environment's per-turn rewards at the tokens that earned them, or null for
 *     one-response rollouts
 * @param metrics counts summed over the shard's episodes (tool calls, bad calls, turns), empty for
 *     one-response rollouts
 */
public record ShardRollout(
    int index,
    int firstRow,
    List<int[]> responses,
    boolean[] endedWithEos,
    double[] scores,
    double[][] mask,
    double[][] rolloutLogProbs,
    double[][] logProbs,
    double[][] refLogProbs,
    double[][] values,
    double generateSeconds,
    double scoreSeconds,
    double[][] turnRewards,
    Map<String, Double> metrics)
    implements Serializable {
  private static final long serialVersionUID = 2L;

  /** The number of rows. */
  public int size() {
    return responses.size();
  }
}
