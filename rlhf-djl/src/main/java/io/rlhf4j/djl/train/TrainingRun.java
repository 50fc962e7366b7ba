package io.rlhf4j.djl.train;

import io.rlhf4j.train.MetricsListener;
import io.rlhf4j.train.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every stage shares while it runs: the listeners it reports to and the history of what it
 * reported, so a pipeline can hand back all metrics at the end.
 */
public final class TrainingRun {
  private final List<MetricsListener> listeners;
  private final List<StepMetrics> history = new ArrayList<>();

  /** Reports to {@code listeners}. */
  public TrainingRun(List<MetricsListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  /** Announces a stage. */
  public void start(String stage, long totalSteps) {
    listeners.forEach(l -> l.onStageStart(stage, totalSteps));
  }

  /** Records and broadcasts one step's metrics. */
  public StepMetrics report(String stage, long step, Map<String, Double> values) {
    StepMetrics metrics = new StepMetrics(stage, step, values);
    history.add(metrics);
    listeners.forEach(l -> l.onStep(metrics));
    return metrics;
  }

  /** Closes a stage. */
  public void end(String stage) {
    listeners.forEach(l -> l.onStageEnd(stage));
  }

  /** Everything reported so far, in order. */
  public List<StepMetrics> history() {
    return List.copyOf(history);
  }
}
