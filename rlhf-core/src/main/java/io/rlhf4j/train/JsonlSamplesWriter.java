package io.rlhf4j.train;

import io.rlhf4j.data.EpisodeDemonstration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends the samples RL stages report to {@code samples.jsonl}, one line per sample: {@code
 * {"stage", "step", "prompt", "turns": [{"text", "policy"}], "score"}}. Flushed per step; a resumed
 * run appends the steps it redoes again, and {@link SamplesFile} keeps the last.
 */
public final class JsonlSamplesWriter implements MetricsListener {
  /** The file's usual name in a run folder. */
  public static final String FILE = "samples.jsonl";

  private final JsonlAppender out;

  /** Opens {@code file} for appending. */
  public JsonlSamplesWriter(Path file) {
    this.out = new JsonlAppender(file);
  }

  @Override
  public void onStep(StepMetrics metrics) {}

  @Override
  public void onSamples(List<LoggedSample> samples) {
    List<Map<String, Object>> lines = new ArrayList<>();
    for (int i = 0; i < samples.size(); i++) {
      LoggedSample s = samples.get(i);
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("stage", s.stage());
      line.put("step", s.step());
      line.put("index", i);
      line.put("prompt", s.prompt());
      line.put("turns", EpisodeDemonstration.Turn.toJson(s.turns()));
      line.put("score", s.score());
      lines.add(line);
    }
    out.append(lines);
  }

  @Override
  public void close() {
    out.close();
  }
}
