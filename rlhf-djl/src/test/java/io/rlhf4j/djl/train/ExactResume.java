package io.rlhf4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rlhf4j.train.MetricsListener;
import io.rlhf4j.train.StepMetrics;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.data.Offset;

/**
 * The crash-and-resume check every offline stage's test makes: a training run straight through; the
 * same training killed (a listener throws) once it reports step {@code crashAt}; the same training
 * again from the crashed run's checkpoints. Every resumed step must report what the straight run
 * reported at that step.
 */
public final class ExactResume {
  private ExactResume() {}

  /** One training from a fresh model, reporting to {@code run}, checkpointing in a folder. */
  @FunctionalInterface
  public interface Training {
    /** Trains, resuming from {@code checkpoints} when it holds a checkpoint. */
    void run(TrainingRun run, Path checkpoints);
  }

  /** The straight run's steps and the resumed run's. */
  public record Histories(List<StepMetrics> straight, List<StepMetrics> resumed) {}

  /** Runs the three trainings in {@code dir} and returns the two histories to compare. */
  public static Histories afterCrash(Training training, Path dir, long crashAt) {
    TrainingRun straight = new TrainingRun(List.of());
    training.run(straight, dir.resolve("straight"));
    Path crashed = dir.resolve("crashed");
    MetricsListener crash =
        m -> {
          if (m.step() == crashAt) {
            throw new IllegalStateException("simulated crash at step " + crashAt);
          }
        };
    assertThatThrownBy(() -> training.run(new TrainingRun(List.of(crash)), crashed))
        .hasMessageContaining("simulated crash at step " + crashAt);
    TrainingRun resumed = new TrainingRun(List.of());
    training.run(resumed, crashed);
    return new Histories(straight.history(), resumed.history());
  }

  /** Each resumed step reports every metric of the straight run's same step, to {@code offset}. */
  public static void assertResumedExactly(Histories h, double offset) {
    assertThat(h.resumed()).isNotEmpty();
    for (StepMetrics r : h.resumed()) {
      StepMetrics s = h.straight().get((int) r.step() - 1);
      assertThat(r.stage()).isEqualTo(s.stage());
      for (String key : s.values().keySet()) {
        assertThat(r.get(key))
            .as("step %s %s", r.step(), key)
            .isCloseTo(s.get(key), Offset.offset(offset));
      }
    }
  }
}
