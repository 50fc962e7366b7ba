package io.rlhf4j.train.ppo;

/**
 * Chooses the KL coefficient β between PPO iterations. Its state is just β, which training
 * checkpoints save and restore.
 */
public interface KlController {
  /** The current β. */
  double beta();

  /**
   * Feeds back the KL observed in the last iteration.
   *
   * @param observedKl the mean over the batch of each sequence's KL to the reference
   * @param nSteps the number of episodes (batch size) that iteration consumed
   */
  void update(double observedKl, long nSteps);

  /** Puts back the β a checkpoint saved, so a resumed run continues where it stopped. */
  void restore(double savedBeta);
}
