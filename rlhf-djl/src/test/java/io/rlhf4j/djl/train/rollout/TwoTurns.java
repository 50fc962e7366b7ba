package io.rlhf4j.djl.train.rollout;

import io.rlhf4j.episode.Environment;
import io.rlhf4j.episode.EnvironmentFactory;
import io.rlhf4j.episode.EnvironmentStep;

/** A test environment: answers the policy's first turn with {@code line}, ends at its second. */
public final class TwoTurns {
  private TwoTurns() {}

  /** Environments that answer with {@code line}. */
  public static EnvironmentFactory answering(String line) {
    return prompt ->
        new Environment() {
          private int turns;

          @Override
          public EnvironmentStep step(String policyTurn) {
            return ++turns == 1 ? EnvironmentStep.observe(line) : EnvironmentStep.end();
          }
        };
  }
}
