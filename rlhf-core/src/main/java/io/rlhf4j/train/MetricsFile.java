package io.rlhf4j.train;

import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads back a {@code metrics.jsonl} written by {@link JsonlMetricsWriter}. The file is
 * append-only: a resumed run appends again the steps it redid after its last checkpoint, so a later
 * line for the same stage and step replaces the earlier one here (readers of the raw file should do
 * the same). JSON {@code null} (how NaN is written) reads as NaN.
 */
public final class MetricsFile {
  private MetricsFile() {}

  /** Every step in file order, later duplicates replacing earlier ones in place. */
  public static List<StepMetrics> read(Path file) throws IOException {
    Map<String, StepMetrics> byKey = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return new ArrayList<>();
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      StepMetrics m = parse(file, i + 1, lines.get(i));
      byKey.put(m.stage() + '#' + m.step(), m);
    }
    return new ArrayList<>(byKey.values());
  }

  private static StepMetrics parse(Path file, long line, String text) {
    Map<String, Object> object;
    try {
      object = Json.parseObject(text);
    } catch (JsonParseException e) {
      throw new DataFormatException(file, line, "", "invalid JSON: " + e.getMessage(), e);
    }
    if (!(object.get("stage") instanceof String stage)) {
      throw new DataFormatException(file, line, "stage", "missing or not a string");
    }
    if (!(object.get("step") instanceof Number step)) {
      throw new DataFormatException(file, line, "step", "missing or not a number");
    }
    Map<String, Double> values = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : object.entrySet()) {
      if (e.getKey().equals("stage") || e.getKey().equals("step")) {
        continue;
      }
      if (e.getValue() instanceof Number n) {
        values.put(e.getKey(), n.doubleValue());
      } else if (e.getValue() == Json.NULL) {
        values.put(e.getKey(), Double.NaN);
      } else {
        throw new DataFormatException(
            file, line, e.getKey(), "expected a number, got " + Json.typeName(e.getValue()));
      }
    }
    return new StepMetrics(stage, step.longValue(), values);
  }
}
