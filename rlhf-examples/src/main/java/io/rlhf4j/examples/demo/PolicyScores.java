package io.rlhf4j.examples.demo;

import java.util.List;

/**
 * One policy measured on the held-out prompts: the rater's hidden score (mean and standard error
 * over samples), the learned reward, the KL to the SFT model, response length and repetition, and
 * the first sample for each prompt (for the side-by-side table).
 *
 * @param name the policy's label in the report
 * @param hidden mean hidden score
 * @param hiddenStdErr standard error of that mean
 * @param reward mean score of the final reward model (normalised: SFT samples average 0)
 * @param klToSft mean of Σ_t log π(y_t|…) − log π_SFT(y_t|…) over the policy's own samples
 * @param length mean response length in tokens
 * @param finished share of responses that ended with EOS within the length cap
 * @param repetition mean share of repeated word trigrams
 * @param samples the first response to each held-out prompt
 * @param sampleScores their hidden scores
 */
public record PolicyScores(
    String name,
    double hidden,
    double hiddenStdErr,
    double reward,
    double klToSft,
    double length,
    double finished,
    double repetition,
    List<String> samples,
    List<Double> sampleScores) {
  /** Defensive copies. */
  public PolicyScores {
    samples = List.copyOf(samples);
    sampleScores = List.copyOf(sampleScores);
  }
}
