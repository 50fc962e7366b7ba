package io.rlhf4j.train;

import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.data.EpisodeDemonstration;
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
 * Reads back a {@code samples.jsonl} ({@link JsonlSamplesWriter}). A step written again by a
 * resumed run (a new block, starting at index 0) replaces the earlier lines of the same stage and
 * step.
 */
public final class SamplesFile {
  private SamplesFile() {}

  /** Every step's samples in file order, a step's later lines replacing its earlier ones. */
  public static List<LoggedSample> read(Path file) throws IOException {
    Map<String, List<LoggedSample>> byStep = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return List.of();
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      Map<String, Object> o = object(file, i + 1, lines.get(i));
      LoggedSample s = parse(file, i + 1, o);
      String key = s.stage() + '#' + s.step();
      // A step's block starts at index 0: a later block for the same step (a rerun) replaces it.
      if (!(o.get("index") instanceof Number index)) {
        throw new DataFormatException(file, i + 1, "index", "missing or not a number");
      }
      if (index.longValue() == 0) {
        byStep.remove(key);
      }
      byStep.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
    }
    List<LoggedSample> out = new ArrayList<>();
    byStep.values().forEach(out::addAll);
    return out;
  }

  private static Map<String, Object> object(Path file, long line, String text) {
    try {
      return Json.parseObject(text);
    } catch (JsonParseException e) {
      throw new DataFormatException(file, line, "", "invalid JSON: " + e.getMessage(), e);
    }
  }

  private static LoggedSample parse(Path file, long line, Map<String, Object> o) {
    if (!(o.get("stage") instanceof String stage)) {
      throw new DataFormatException(file, line, "stage", "missing or not a string");
    }
    if (!(o.get("step") instanceof Number step)) {
      throw new DataFormatException(file, line, "step", "missing or not a number");
    }
    if (!(o.get("prompt") instanceof String prompt)) {
      throw new DataFormatException(file, line, "prompt", "missing or not a string");
    }
    if (!(o.get("turns") instanceof List<?> turnList)) {
      throw new DataFormatException(file, line, "turns", "missing or not a list");
    }
    List<EpisodeDemonstration.Turn> turns = new ArrayList<>();
    for (Object t : turnList) {
      if (!(t instanceof Map<?, ?> m)
          || !(m.get("text") instanceof String tt)
          || !(m.get("policy") instanceof Boolean p)) {
        throw new DataFormatException(file, line, "turns", "each turn needs text and policy");
      }
      turns.add(new EpisodeDemonstration.Turn(tt, p));
    }
    double score = o.get("score") instanceof Number n ? n.doubleValue() : Double.NaN;
    return new LoggedSample(stage, step.longValue(), prompt, turns, score);
  }
}
