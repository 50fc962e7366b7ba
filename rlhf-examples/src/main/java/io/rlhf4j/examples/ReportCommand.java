package io.rlhf4j.examples;

import io.rlhf4j.examples.report.RunReport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code report RUN}: the HTML page of any run's metrics, with a chart per metric and stage. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = "Write RUN/report.html: each stage's last values and a chart per metric.")
final class ReportCommand implements Callable<Integer> {
  @Parameters(paramLabel = "RUN", description = "a run folder (metrics.jsonl or history.jsonl)")
  Path run;

  @Override
  public Integer call() throws Exception {
    System.out.println(RunReport.write(run).toAbsolutePath().normalize());
    return 0;
  }
}
