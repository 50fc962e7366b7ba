package io.rlhf4j.train;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs every {@code every}-th step at INFO through SLF4J. */
public final class LoggingMetricsListener implements MetricsListener {
  private static final Logger LOG = LoggerFactory.getLogger(LoggingMetricsListener.class);
  private final int every;

  /** Logs one step in {@code every}. */
  public LoggingMetricsListener(int every) {
    this.every = Math.max(1, every);
  }

  @Override
  public void onStep(StepMetrics metrics) {
    if (metrics.step() % every != 0) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Double> e : metrics.values().entrySet()) {
      sb.append(' ').append(e.getKey()).append('=').append(String.format("%.4g", e.getValue()));
    }
    LOG.info("{} step {}:{}", metrics.stage(), metrics.step(), sb);
  }
}
