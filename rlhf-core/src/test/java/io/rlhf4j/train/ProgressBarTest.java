package io.rlhf4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  @Test
  void progressBarShowsRateAndEta() {
    long[] now = {0};
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBar bar =
        new ProgressBar(
            new PrintStream(bytes, true, StandardCharsets.UTF_8), () -> now[0], "loss", "kl");
    bar.onStageStart("sft", 100);
    now[0] = 1_000_000_000L;
    bar.line(1, Map.of());
    now[0] = 20_000_000_000L; // 20 s for 25 steps: 1.25 step/s, 75 left = 60 s
    assertThat(bar.line(25, Map.of("loss", 0.5, "other", 3.0)))
        .isEqualTo("sft [######------------------] 25/100  1.25 step/s  ETA 1:00  loss=0.5000");
    // A stage resumed at step 51: its rate counts from there (10 steps in 5 s), both metrics shown.
    bar.onStageStart("ppo", 100);
    bar.line(51, Map.of());
    now[0] += 5_000_000_000L;
    assertThat(bar.line(60, Map.of("loss", 0.25, "kl", 2.0)))
        .isEqualTo(
            "ppo [##############----------] 60/100  2.00 step/s  ETA 0:20  loss=0.2500  kl=2.000");
  }
}
