package io.rlhf4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
  @Test
  void withoutATerminalAStageIsAFewPlainLines() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ConsoleProgress progress =
        new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, "loss");
    progress.onStageStart("sft", 200);
    for (int step = 1; step <= 200; step++) {
      progress.onStep(new StepMetrics("sft", step, Map.of("loss", 1.0 / step)));
    }
    progress.onStageEnd("sft");
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    // A heading, the first step, one line per tenth, an end line; no carriage returns for a log.
    assertThat(lines).hasSize(1 + 1 + 10 + 1);
    assertThat(lines.get(0)).isEqualTo("sft: 200 steps");
    assertThat(lines.get(1)).isEqualTo("sft: step 1/200  loss=1.000");
    assertThat(lines.get(2)).isEqualTo("sft: step 20/200  loss=0.05000");
    assertThat(lines.get(11)).startsWith("sft: step 200/200");
    assertThat(lines.get(12)).startsWith("sft: done in ");
    assertThat(bytes.toString(StandardCharsets.UTF_8)).doesNotContain("\r");
  }

  @Test
  void onATerminalItRedrawsOneLine() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ConsoleProgress progress =
        new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, "loss");
    progress.onStageStart("sft", 3);
    for (int step = 1; step <= 3; step++) {
      progress.onStep(new StepMetrics("sft", step, Map.of("loss", 0.5)));
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("\rsft [").contains("3/3");
  }
}
