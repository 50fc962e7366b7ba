package io.rlhf4j.train;

import io.rlhf4j.data.json.JsonWriter;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Appends one JSON line per step to a file: {@code {"stage": "ppo", "step": 3, "loss": ...}}, every
 * number named. Flushed per line, so a crash loses at most the line being written.
 */
public final class JsonlMetricsWriter implements MetricsListener {
  private final BufferedWriter out;

  /** Opens {@code file} for appending (a resumed run continues the same file). */
  public JsonlMetricsWriter(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      this.out =
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file, e);
    }
  }

  @Override
  public void onStep(StepMetrics metrics) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("stage", metrics.stage());
    line.put("step", metrics.step());
    line.putAll(metrics.values());
    try {
      out.write(JsonWriter.write(line));
      out.newLine();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
