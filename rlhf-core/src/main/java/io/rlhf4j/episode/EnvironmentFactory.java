package io.rlhf4j.episode;

import java.io.Serializable;

/**
 * Starts an {@link Environment} for one episode. Serialisable, so a Spark rollout builds the
 * environments on its executors from the same factory; it must depend only on what it carries and
 * on the prompt, so an episode made twice is made the same.
 */
@FunctionalInterface
public interface EnvironmentFactory extends Serializable {
  /** A fresh environment for the episode that starts with {@code prompt} (its text). */
  Environment start(String prompt);
}
