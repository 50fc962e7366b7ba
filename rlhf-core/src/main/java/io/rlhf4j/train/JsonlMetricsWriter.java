package io.rlhf4j.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends one JSON line per step to a file: {@code {"stage": "ppo", "step": 3, "loss": ...}}, every
 * number named. Flushed per line, so a crash loses at most the line being written.
 */
public final class JsonlMetricsWriter implements MetricsListener {
  private final JsonlAppender out;

  /** Opens {@code file} for appending (a resumed run continues the same file). */
  public JsonlMetricsWriter(Path file) {
    this.out = new JsonlAppender(file);
  }

  @Override
  public void onStep(StepMetrics metrics) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("stage", metrics.stage());
    line.put("step", metrics.step());
    line.putAll(metrics.values());
    out.append(List.of(line));
  }

  @Override
  public void close() {
    out.close();
  }
}
