package io.rlhf4j.train;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A one-line console progress bar with rate and ETA, redrawn in place on stderr: {@code sft
 * [#########-----------] 45/100 2.1 step/s ETA 0:26 loss=1.234}.
 */
public final class ProgressBar implements MetricsListener {
  private static final int WIDTH = 24;
  private final PrintStream out;
  private final List<String> metrics;
  private final LongSupplier clock;
  private String stage = "";
  private long total = 1;
  private long startNanos;
  private long firstStep = -1;

  /**
   * @param out where to draw (stderr, so stdout stays clean)
   * @param metrics the metrics shown after the ETA when a step reports them
   */
  public ProgressBar(PrintStream out, String... metrics) {
    this(out, System::nanoTime, metrics);
  }

  ProgressBar(PrintStream out, LongSupplier clock, String... metrics) {
    this.out = out;
    this.metrics = List.of(metrics);
    this.clock = clock;
  }

  @Override
  public void onStageStart(String stage, long totalSteps) {
    this.stage = stage;
    this.total = Math.max(1, totalSteps);
    this.startNanos = clock.getAsLong();
    this.firstStep = -1;
  }

  @Override
  public void onStep(StepMetrics metrics) {
    out.print('\r' + line(metrics.step(), metrics.values()));
    out.flush();
  }

  @Override
  public void onStageEnd(String stage) {
    out.println();
  }

  /** The text of the bar after {@code done} steps. */
  String line(long done, Map<String, Double> values) {
    if (firstStep < 0) {
      firstStep = done; // a resumed stage starts counting its rate here, not at step 1
    }
    double seconds = Math.max(1e-9, (clock.getAsLong() - startNanos) / 1e9);
    double rate = (done - firstStep + 1) / seconds;
    long remaining = rate > 0 ? Math.round((total - Math.min(done, total)) / rate) : 0;
    int filled = (int) Math.min(WIDTH, WIDTH * done / total);
    String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
    StringBuilder shown = new StringBuilder();
    for (String name : metrics) {
      Double value = values.get(name);
      if (value != null) {
        shown.append(String.format("  %s=%.4g", name, value));
      }
    }
    return String.format(
        "%s [%s] %d/%d  %.2f step/s  ETA %d:%02d%s",
        stage, bar, done, total, rate, remaining / 60, remaining % 60, shown);
  }
}
