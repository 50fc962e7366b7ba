package io.rlhf4j.train;

import java.util.List;

/** Receives the metrics of every training step; listeners must not throw. */
public interface MetricsListener extends AutoCloseable {
  /** A stage begins with (about) {@code totalSteps} steps. */
  default void onStageStart(String stage, long totalSteps) {}

  /** One step finished. */
  void onStep(StepMetrics metrics);

  /** A few of a step's samples, for reading what the policy writes (RL stages). */
  default void onSamples(List<LoggedSample> samples) {}

  /** The stage finished. */
  default void onStageEnd(String stage) {}

  /** Flushes and releases resources. */
  @Override
  default void close() {}
}
