package io.rlhf4j.train;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * A one-line console progress bar with rate and ETA, redrawn in place on stderr: {@code sft
 * [#########-----------] 45/100 2.1 step/s ETA 0:26 loss=1.234}.
 */
public final class ProgressBar implements MetricsListener {
  private static final int WIDTH = 24;
  private final PrintStream out;
  private final String metric;
  private final LongSupplier clock;
  private String stage = "";
  private long total = 1;
  private long startNanos;

  /**
   * @param out where to draw (stderr, so stdout stays clean)
   * @param metric the metric shown after the ETA, or null
   */
  public ProgressBar(PrintStream out, String metric) {
    this(out, metric, System::nanoTime);
  }

  ProgressBar(PrintStream out, String metric, LongSupplier clock) {
    this.out = out;
    this.metric = metric;
    this.clock = clock;
  }

  @Override
  public void onStageStart(String stage, long totalSteps) {
    this.stage = stage;
    this.total = Math.max(1, totalSteps);
    this.startNanos = clock.getAsLong();
  }

  @Override
  public void onStep(StepMetrics metrics) {
    out.print('\r' + line(metrics.step(), metrics.values().get(metric)));
    out.flush();
  }

  @Override
  public void onStageEnd(String stage) {
    out.println();
  }

  /** The text of the bar after {@code done} steps. */
  String line(long done, Double value) {
    double seconds = Math.max(1e-9, (clock.getAsLong() - startNanos) / 1e9);
    double rate = done / seconds;
    long remaining = rate > 0 ? Math.round((total - Math.min(done, total)) / rate) : 0;
    int filled = (int) Math.min(WIDTH, WIDTH * done / total);
    String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
    String shown = value == null ? "" : String.format("  %s=%.4g", metric, value);
    return String.format(
        "%s [%s] %d/%d  %.2f step/s  ETA %d:%02d%s",
        stage, bar, done, total, rate, remaining / 60, remaining % 60, shown);
  }
}
