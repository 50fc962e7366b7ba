package io.rlhf4j.djl.train.ppo;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;

/**
 * Evaluation on held-out prompts during RL (TRL's {@code eval_dataset} and {@code eval_steps},
 * OpenRLHF's {@code --eval_dataset}, {@code --eval_n_samples_per_prompt}): every {@code every}
 * iterations (and after the last), {@code samplesPerPrompt} responses per prompt are sampled at the
 * rollout's settings from one fixed stream, the same at every evaluation so that the numbers move
 * with the policy, not with the draw, and scored by the run's reward. Reported as {@code
 * eval_score} (the mean), {@code eval_pass@1} (the mean share of a prompt's samples scoring at
 * least {@code passThreshold}), {@code eval_pass@k} (the share of prompts with at least one) and
 * {@code eval_length}. The policy of the best {@code eval_score} so far is kept as a model folder
 * beside the checkpoint ({@code <checkpoint>-best}).
 *
 * @param prompts the held-out prompts' ids
 * @param every evaluate after every this many iterations
 * @param samplesPerPrompt k
 * @param passThreshold the score a sample must reach to pass (1 for a 0/1 verifier)
 */
public record RlEvaluation(
    List<int[]> prompts, int every, int samplesPerPrompt, double passThreshold) {
  /** Validates and copies. */
  public RlEvaluation {
    checkArgument(!prompts.isEmpty(), "evaluation needs prompts");
    checkArgument(every >= 1, "every must be >= 1: %s", every);
    checkArgument(samplesPerPrompt >= 1, "samplesPerPrompt must be >= 1: %s", samplesPerPrompt);
    prompts = List.copyOf(prompts);
  }

  /** The folder the best policy is kept in, beside the checkpoint folder. */
  public static java.nio.file.Path bestFolder(java.nio.file.Path checkpoint) {
    return checkpoint.resolveSibling(checkpoint.getFileName() + "-best");
  }
}
