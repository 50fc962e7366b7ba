package io.rlhf4j.train.ppo;

import io.rlhf4j.model.Policy;
import io.rlhf4j.train.StepMetrics;
import java.util.List;

/**
 * Optimises a policy against a reward model with PPO, one iteration at a time (InstructGPT §3.5):
 * sample a response per prompt, score it, penalise the KL to the SFT reference, compute GAE
 * advantages, and take several epochs of clipped-surrogate minibatch updates.
 */
public interface PpoTrainer extends AutoCloseable {
  /**
   * Runs one PPO iteration on a batch of prompts.
   *
   * @param prompts token ids of each prompt of the rollout batch
   * @return the iteration's metrics: score, KL, β, approximate KL, clip fractions, explained
   *     variance, entropy, response length and timings
   */
  StepMetrics step(List<int[]> prompts);

  /** The policy being trained (live: it changes with every step). */
  Policy policy();

  /** Releases native memory held by the trainer. */
  @Override
  void close();
}
