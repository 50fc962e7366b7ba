package io.rlhf4j.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * One sampled response: the episode of RLHF's contextual bandit.
 *
 * @param prompt the prompt's token ids
 * @param response the sampled token ids, including the final EOS when one was emitted
 * @param logProbs log-probability of each response token under the sampling distribution
 *     (temperature-scaled softmax of the full vocabulary), one per response token
 * @param endedWithEos whether the response ended by emitting EOS rather than hitting the length
 *     limit
 */
public record Generation(int[] prompt, int[] response, float[] logProbs, boolean endedWithEos) {
  /** Validates on construction. Arrays are not copied: treat them as read-only. */
  public Generation {
    checkNotNull(prompt, "prompt");
    checkNotNull(response, "response");
    checkNotNull(logProbs, "logProbs");
    checkArgument(
        logProbs.length == response.length,
        "%s log-probabilities for %s tokens",
        logProbs.length,
        response.length);
  }

  /** Σ_t log π(y_t | x, y_{&lt;t}), the log-probability of the whole response. */
  public double sequenceLogProb() {
    double sum = 0;
    for (float lp : logProbs) {
      sum += lp;
    }
    return sum;
  }
}
