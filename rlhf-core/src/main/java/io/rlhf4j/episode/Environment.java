package io.rlhf4j.episode;

import java.util.Map;

/**
 * One episode's world: it reads each policy turn and answers with an observation, a reward or the
 * end. Made per episode by an {@link EnvironmentFactory}, so it may keep state (a browser's page, a
 * scratch directory); closed when the episode ends.
 */
public interface Environment extends AutoCloseable {
  /**
   * Answers the policy's turn (its decoded text, without the end-of-turn token). Should not throw:
   * a problem the policy caused belongs in the observation.
   */
  EnvironmentStep step(String policyTurn);

  /** Counts this episode wants reported (summed over episodes, then averaged per episode). */
  default Map<String, Double> metrics() {
    return Map.of();
  }

  @Override
  default void close() {}
}
