package io.rlhf4j.djl.train.rollout;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.episode.EpisodeSettings;
import io.rlhf4j.model.SamplingConfig;
import java.io.Serializable;

/**
 * What a {@link RolloutWorker} needs of an RL configuration: little, and serialisable, so a worker
 * in another JVM makes exactly what the trainer's own would.
 *
 * @param sampling rollout sampling (its seed is replaced per iteration)
 * @param seed the run's seed: iteration i samples from the stream derived from (seed, i)
 * @param microBatchSize rows per forward pass when scoring
 * @param missingEosScore the score of a response that never emitted EOS, or null to keep the reward
 *     model's
 * @param episodes multi-turn episodes with an environment, or null for one response per prompt
 */
public record RolloutSettings(
    SamplingConfig sampling,
    long seed,
    int microBatchSize,
    Double missingEosScore,
    EpisodeSettings episodes)
    implements Serializable {
  private static final long serialVersionUID = 2L;

  /** Validates. */
  public RolloutSettings {
    checkNotNull(sampling, "sampling");
    checkArgument(microBatchSize >= 1, "microBatchSize must be >= 1");
  }
}
