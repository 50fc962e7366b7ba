package io.rlhf4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.rlhf4j.data.EpisodeDemonstration.Turn;
import io.rlhf4j.internal.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingPartsTest {
  @TempDir Path dir;

  @Test
  void cosineScheduleWithWarmupByHand() {
    LrSchedule s = new LrSchedule(LrSchedule.Kind.COSINE, 10, 110, 0.0);
    assertThat(s.factor(1)).isCloseTo(0.1, within(1e-12));
    assertThat(s.factor(10)).isCloseTo(1.0, within(1e-12));
    // Halfway through decay: (1 + cos(pi/2)) / 2 = 0.5
    assertThat(s.factor(60)).isCloseTo(0.5, within(1e-12));
    assertThat(s.factor(110)).isCloseTo(0.0, within(1e-12));
    LrSchedule floor = new LrSchedule(LrSchedule.Kind.LINEAR, 0, 100, 0.1);
    assertThat(floor.factor(50)).isCloseTo(0.1 + 0.9 * 0.5, within(1e-12));
    assertThat(floor.factor(500)).isCloseTo(0.1, within(1e-12));
    assertThat(LrSchedule.constant().factor(7)).isEqualTo(1.0);
  }

  @Test
  void jsonlWriterNamesEveryNumber() throws Exception {
    Path file = dir.resolve("m/metrics.jsonl");
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("loss", 1.5);
    values.put("kl", Double.NaN);
    try (JsonlMetricsWriter w = new JsonlMetricsWriter(file)) {
      w.onStep(new StepMetrics("ppo", 3, values));
      w.onStep(new StepMetrics("ppo", 4, Map.of("loss", 1.25)));
    }
    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(2);
    Map<String, Object> first = Json.parseObject(lines.get(0));
    assertThat(first)
        .containsEntry("stage", "ppo")
        .containsEntry("step", 3L)
        .containsEntry("loss", 1.5);
    assertThat(first.get("kl")).isSameAs(Json.NULL); // NaN has no JSON spelling
  }

  @Test
  void earlyStoppingCountsEvaluationsWithoutImprovement() {
    EarlyStopping rule = new EarlyStopping(2, 0.01);
    assertThat(rule.update(3.0)).isFalse(); // first evaluation improves on +inf
    assertThat(rule.update(2.5)).isFalse();
    assertThat(rule.update(2.495)).isFalse(); // within minDelta: no improvement (1)
    assertThat(rule.update(2.6)).isTrue(); // second in a row: stop
    assertThat(rule.best()).isEqualTo(2.5);
    EarlyStopping never = new EarlyStopping(0, 0);
    for (int i = 0; i < 5; i++) {
      assertThat(never.update(10 + i)).isFalse();
    }
    EarlyStopping resumed = new EarlyStopping(2, 0.01, 2.5, 1);
    assertThat(resumed.update(2.6)).isTrue();
  }

  @Test
  void divergenceNamesStageAndStep() {
    assertThatThrownBy(
            () -> TrainingDivergedException.check("reward", 12, "loss", Double.POSITIVE_INFINITY))
        .hasMessageStartingWith("reward step 12: loss is Infinity");
    TrainingDivergedException.check("reward", 12, "loss", 3.0);
  }

  @Test
  void samplesAreWrittenAsLinesAndARedoneStepReplacesItsEarlierLines(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("samples.jsonl");
    LoggedSample a1 = new LoggedSample("grpo", 1, "p", List.of(new Turn("x", true)), 0.5);
    LoggedSample b1 =
        new LoggedSample(
            "grpo", 1, "q", List.of(new Turn("call", true), new Turn("result", false)), 1);
    LoggedSample a2 = new LoggedSample("grpo", 2, "p", List.of(new Turn("y", true)), 0.25);
    LoggedSample a2again = new LoggedSample("grpo", 2, "p", List.of(new Turn("z", true)), 0.75);
    try (JsonlSamplesWriter w = new JsonlSamplesWriter(file)) {
      w.onSamples(List.of(a1, b1));
      w.onSamples(List.of(a2)); // the run crashed after step 2 was logged, before its checkpoint
    }
    try (JsonlSamplesWriter w = new JsonlSamplesWriter(file)) {
      w.onSamples(List.of(a2again)); // the rerun redoes step 2
    }
    assertThat(Files.readAllLines(file)).hasSize(4);
    assertThat(Files.readAllLines(file).get(1))
        .isEqualTo(
            "{\"stage\":\"grpo\",\"step\":1,\"index\":1,\"prompt\":\"q\",\"turns\":[{\"text\":\"call\","
                + "\"policy\":true},{\"text\":\"result\",\"policy\":false}],\"score\":1.0}");
    assertThat(SamplesFile.read(file)).containsExactly(a1, b1, a2again);
    assertThat(b1.response()).isEqualTo("callresult");
  }
}
