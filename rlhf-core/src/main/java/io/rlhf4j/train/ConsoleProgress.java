package io.rlhf4j.train;

import java.io.PrintStream;
import java.util.Map;

/**
 * Stage progress on the console, the default of a pipeline so that a run is never silent: a bar
 * redrawn in place ({@link ProgressBar}) when the process has a terminal, plain lines otherwise (a
 * CI log or a file keeps about ten readable lines per stage instead of thousands of carriage
 * returns).
 */
public final class ConsoleProgress implements MetricsListener {
  private static final int LINES_PER_STAGE = 10;
  private final MetricsListener delegate;

  /**
   * @param out where to write (stderr, so stdout stays clean)
   * @param terminal whether {@code out} is a terminal that can redraw a line
   * @param metrics the metrics shown with each step when it reports them
   */
  public ConsoleProgress(PrintStream out, boolean terminal, String... metrics) {
    this.delegate = terminal ? new ProgressBar(out, metrics) : new Lines(out, metrics);
  }

  /** Progress on stderr, redrawn when the JVM has a console, plain lines when it does not. */
  public static ConsoleProgress onStderr(String... metrics) {
    return new ConsoleProgress(System.err, System.console() != null, metrics);
  }

  @Override
  public void onStageStart(String stage, long totalSteps) {
    delegate.onStageStart(stage, totalSteps);
  }

  @Override
  public void onStep(StepMetrics metrics) {
    delegate.onStep(metrics);
  }

  @Override
  public void onStageEnd(String stage) {
    delegate.onStageEnd(stage);
  }

  /** A line when a stage starts, at every tenth of its steps, and when it ends. */
  private static final class Lines implements MetricsListener {
    private final PrintStream out;
    private final String[] metrics;
    private long total = 1;
    private long started;
    private long lastTenth = -1;

    Lines(PrintStream out, String... metrics) {
      this.out = out;
      this.metrics = metrics;
    }

    @Override
    public void onStageStart(String stage, long totalSteps) {
      total = Math.max(1, totalSteps);
      started = System.nanoTime();
      lastTenth = -1;
      out.printf("%s: %d steps%n", stage, totalSteps);
    }

    @Override
    public void onStep(StepMetrics m) {
      long tenth = Math.min(LINES_PER_STAGE, m.step() * LINES_PER_STAGE / total);
      if (tenth == lastTenth) {
        return;
      }
      lastTenth = tenth;
      StringBuilder line =
          new StringBuilder(String.format("%s: step %d/%d", m.stage(), m.step(), total));
      Map<String, Double> values = m.values();
      for (String name : metrics) {
        Double v = values.get(name);
        if (v != null) {
          line.append(String.format("  %s=%.4g", name, v));
        }
      }
      out.println(line);
    }

    @Override
    public void onStageEnd(String stage) {
      out.printf("%s: done in %.1f s%n", stage, (System.nanoTime() - started) / 1e9);
    }
  }
}
