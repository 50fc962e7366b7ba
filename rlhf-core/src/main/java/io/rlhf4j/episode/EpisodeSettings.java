package io.rlhf4j.episode;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;

/**
 * Multi-turn episodes for an RL run: each prompt starts an environment, and the policy and the
 * environment take turns until the environment ends the episode, the policy has had {@code
 * maxTurns} turns, or the response (the policy's and the environment's tokens after the prompt)
 * reaches {@code maxTokens}. Each policy turn samples at most the sampling's maxNewTokens.
 *
 * @param environments makes each episode's environment (serialisable: Spark executors build theirs)
 * @param maxTurns the most policy turns per episode (N)
 * @param maxTokens the most response tokens per episode, policy's and environment's together (M)
 */
public record EpisodeSettings(EnvironmentFactory environments, int maxTurns, int maxTokens)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Validates. */
  public EpisodeSettings {
    checkNotNull(environments, "environments");
    checkArgument(maxTurns >= 1, "maxTurns must be >= 1: %s", maxTurns);
    checkArgument(maxTokens >= 1, "maxTokens must be >= 1: %s", maxTokens);
  }
}
