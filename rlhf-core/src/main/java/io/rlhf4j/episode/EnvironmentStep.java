package io.rlhf4j.episode;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * The environment's answer to one policy turn.
 *
 * @param observation text appended to the context for the policy's next turn (empty when done)
 * @param reward a reward for this turn (0 when the episode is judged only at its end)
 * @param done whether the episode ends here
 */
public record EnvironmentStep(String observation, double reward, boolean done) {
  /** Validates. */
  public EnvironmentStep {
    checkNotNull(observation, "observation");
    checkArgument(Double.isFinite(reward), "reward must be finite: %s", reward);
  }

  /** The episode ends with this turn. */
  public static EnvironmentStep end() {
    return new EnvironmentStep("", 0, true);
  }

  /** The policy goes on after reading {@code observation}. */
  public static EnvironmentStep observe(String observation) {
    return new EnvironmentStep(observation, 0, false);
  }
}
