package io.rlhf4j.model;

import java.util.List;

/**
 * A causal language model seen as an RL policy π(y | x): it samples responses and scores given
 * ones. Token-level, so the same policy serves any tokenizer and data source.
 */
public interface Policy {
  /** The tokenizer of this policy's vocabulary. */
  Tokenizer tokenizer();

  /**
   * Samples one response per prompt, batched.
   *
   * @param prompts token ids of each prompt (non-empty; include BOS if the model expects it)
   * @param config sampling settings
   * @return one generation per prompt, in order
   */
  List<Generation> generate(List<int[]> prompts, SamplingConfig config);

  /**
   * Per-token log-probabilities of given responses, log softmax(logits / temperature) at each
   * response token: what PPO needs for the ratio and the KL penalty.
   *
   * @param prompts token ids of each prompt
   * @param responses token ids of each response, same count as prompts
   * @param temperature the temperature the responses were sampled at (&gt; 0; 1 for none)
   * @return per row, one log-probability per response token
   */
  float[][] logProbs(List<int[]> prompts, List<int[]> responses, double temperature);
}
