package io.rlhf4j.djl.train;

import io.rlhf4j.train.LoggedSample;
import io.rlhf4j.train.MetricsListener;
import io.rlhf4j.train.StepMetrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What every stage shares while it runs: the listeners it reports to and the history of what it
 * reported, so a pipeline can hand back all metrics at the end. A {@linkplain #scoped scoped} view
 * names the stages of one part of a longer run ({@code round-2/ppo}) and shares the same listeners
 * and history.
 */
public final class TrainingRun {
  private final List<MetricsListener> listeners;
  private final List<StepMetrics> history;
  private final String prefix;

  /** Reports to {@code listeners}. */
  public TrainingRun(List<MetricsListener> listeners) {
    this(List.copyOf(listeners), Collections.synchronizedList(new ArrayList<>()), "");
  }

  private TrainingRun(List<MetricsListener> listeners, List<StepMetrics> history, String prefix) {
    this.listeners = listeners;
    this.history = history;
    this.prefix = prefix;
  }

  /** A view whose stages are reported as {@code scope/stage}, e.g. {@code round-2/reward}. */
  public TrainingRun scoped(String scope) {
    return new TrainingRun(listeners, history, prefix + scope + "/");
  }

  /** The full name of {@code stage} in this run, e.g. {@code round-2/ppo}. */
  public String name(String stage) {
    return prefix + stage;
  }

  /** Announces a stage. */
  public void start(String stage, long totalSteps) {
    listeners.forEach(l -> l.onStageStart(prefix + stage, totalSteps));
  }

  /** Records and broadcasts one step's metrics. */
  public StepMetrics report(String stage, long step, Map<String, Double> values) {
    StepMetrics metrics = new StepMetrics(prefix + stage, step, values);
    history.add(metrics);
    listeners.forEach(l -> l.onStep(metrics));
    return metrics;
  }

  /** Broadcasts a few samples of a step (their stages named as this run names them). */
  public void samples(List<LoggedSample> samples) {
    List<LoggedSample> named =
        samples.stream()
            .map(
                x ->
                    new LoggedSample(
                        prefix + x.stage(), x.step(), x.prompt(), x.turns(), x.score()))
            .toList();
    listeners.forEach(l -> l.onSamples(named));
  }

  /** Closes a stage. */
  public void end(String stage) {
    listeners.forEach(l -> l.onStageEnd(prefix + stage));
  }

  /** Everything reported so far by this run and its scoped views, in order. */
  public List<StepMetrics> history() {
    synchronized (history) {
      return List.copyOf(history);
    }
  }
}
