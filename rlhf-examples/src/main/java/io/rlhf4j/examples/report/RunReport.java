package io.rlhf4j.examples.report;

import com.google.common.html.HtmlEscapers;
import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.train.JsonlSamplesWriter;
import io.rlhf4j.train.LoggedSample;
import io.rlhf4j.train.MetricsFile;
import io.rlhf4j.train.SamplesFile;
import io.rlhf4j.train.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The HTML page of any run folder: for each stage in the order it ran, its last values, one chart
 * per metric against the step (the reward, KL, losses and held-out scores first, the others folded
 * below them) and, for RL stages, the samples of its last step ({@code samples.jsonl}: prompt,
 * response turn by turn with the environment's turns set apart, score); then the run's {@code
 * config.yaml} when it has one. Reads {@code metrics.jsonl} (the training commands) or {@code
 * history.jsonl} (the pipeline); writes {@code report.html} with its charts in {@code charts/},
 * beside the metrics.
 */
public final class RunReport {
  /** The page's file name in the run folder. */
  public static final String FILE = "report.html";

  /** The charts' folder in the run folder. */
  public static final String CHARTS = "charts";

  private static final String[] METRICS_FILES = {"metrics.jsonl", "history.jsonl"};

  private RunReport() {}

  /**
   * Writes the report of {@code run} and returns the page's path.
   *
   * @throws DataFormatException if the folder has no metrics file, or it holds no steps
   */
  public static Path write(Path run) throws IOException {
    Path metricsFile = metricsFile(run);
    List<StepMetrics> steps = MetricsFile.read(metricsFile);
    if (steps.isEmpty()) {
      throw new DataFormatException(metricsFile, 0, null, "holds no steps to report");
    }
    List<LoggedSample> samples = SamplesFile.read(run.resolve(JsonlSamplesWriter.FILE));
    Map<String, List<StepMetrics>> stages = new LinkedHashMap<>();
    for (StepMetrics s : steps) {
      stages.computeIfAbsent(s.stage(), k -> new ArrayList<>()).add(s);
    }
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>rlhf4j run report</title><style>")
        .append("body{font-family:sans-serif;max-width:1600px;margin:2em auto;padding:0 1em}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;")
        .append("text-align:right}th:first-child,td:first-child{text-align:left}")
        .append("img{margin:4px}pre{background:#f6f6f6;padding:8px}")
        .append(".sample{border:1px solid #ccc;margin:8px 0;padding:6px;white-space:pre-wrap}")
        .append(".prompt{color:#555}.env{background:#eef3ff;border-left:4px solid #6b8fd6;")
        .append("margin:4px 0;padding:2px 6px}.env::before{content:'environment';display:block;")
        .append("font-size:smaller;color:#6b8fd6}.score{font-size:smaller;color:#555}")
        .append("</style></head><body>\n")
        .append("<h1>Run report</h1>\n<p>")
        .append(esc(run.toAbsolutePath().normalize().toString()))
        .append(": ")
        .append(steps.size())
        .append(" steps in ")
        .append(stages.size())
        .append(" stages, from <code>")
        .append(esc(metricsFile.getFileName().toString()))
        .append("</code>.</p>\n");
    int chart = 0;
    for (Map.Entry<String, List<StepMetrics>> stage : stages.entrySet()) {
      String name = stage.getKey();
      List<StepMetrics> rows = stage.getValue();
      TreeSet<String> metrics = metricNames(rows);
      html.append("<h2>").append(esc(name)).append("</h2>\n");
      html.append("<table><tr><th>metric</th><th>last</th><th>at step</th></tr>\n");
      for (String metric : metrics) {
        StepMetrics last = lastWith(rows, metric);
        html.append("<tr><td>")
            .append(esc(metric))
            .append("</td><td>")
            .append(String.format(Locale.ROOT, "%.4g", last.get(metric)))
            .append("</td><td>")
            .append(last.step())
            .append("</td></tr>\n");
      }
      html.append("</table>\n");
      // The charts people watch first (reward, KL, losses, held-out scores); the rest folded
      // below them, so a short run's page does not open on thirty charts.
      List<String> charted = new java.util.ArrayList<>();
      for (String metric : metrics) {
        if (series(rows, metric)[0].length >= 2) {
          charted.add(metric); // one point is in the table; a chart of it says nothing more
        }
      }
      charted.sort(java.util.Comparator.comparingDouble(RunReport::rank));
      boolean folded = false;
      for (String metric : charted) {
        if (!folded && rank(metric) >= OTHER) {
          folded = true;
          long more = charted.stream().filter(m -> rank(m) >= OTHER).count();
          html.append("<details><summary>")
              .append(more)
              .append(more == 1 ? " more chart" : " more charts")
              .append("</summary>\n");
        }
        double[][] xy = series(rows, metric);
        String file = String.format(Locale.ROOT, "%s/%03d.png", CHARTS, ++chart);
        new LineChart(name + ": " + metric, "step", metric)
            .line(metric, xy[0], xy[1], LineChart.PALETTE[0])
            .writePng(run.resolve(file));
        html.append("<img src=\"")
            .append(file)
            .append("\" width=\"760\" height=\"400\" alt=\"")
            .append(esc(name + ": " + metric))
            .append("\">\n");
      }
      if (folded) {
        html.append("</details>\n");
      }
      appendSamples(html, name, samples);
    }
    Path config = run.resolve("config.yaml");
    if (Files.exists(config)) {
      html.append("<h2>Configuration</h2>\n<pre>")
          .append(esc(Files.readString(config)))
          .append("</pre>\n");
    }
    html.append("</body></html>\n");
    Path page = run.resolve(FILE);
    AtomicFiles.writeString(page, html);
    return page;
  }

  // The stage's samples of its last logged step: prompt, then the response turn by turn, the
  // environment's turns (tool results) set apart, then the score.
  private static void appendSamples(StringBuilder html, String stage, List<LoggedSample> all) {
    long last = -1;
    for (LoggedSample s : all) {
      if (s.stage().equals(stage)) {
        last = Math.max(last, s.step());
      }
    }
    if (last < 0) {
      return;
    }
    html.append("<h3>Samples at step ").append(last).append("</h3>\n");
    for (LoggedSample s : all) {
      if (!s.stage().equals(stage) || s.step() != last) {
        continue;
      }
      html.append("<div class=\"sample\"><span class=\"prompt\">")
          .append(esc(s.prompt()))
          .append("</span>");
      for (EpisodeDemonstration.Turn t : s.turns()) {
        if (t.policy()) {
          html.append("<span class=\"policy\">").append(esc(t.text())).append("</span>");
        } else {
          html.append("<div class=\"env\">").append(esc(t.text())).append("</div>");
        }
      }
      html.append("<div class=\"score\">score ")
          .append(String.format(Locale.ROOT, "%.4g", s.score()))
          .append("</div></div>\n");
    }
  }

  private static Path metricsFile(Path run) {
    for (String name : METRICS_FILES) {
      if (Files.isRegularFile(run.resolve(name))) {
        return run.resolve(name);
      }
    }
    throw new DataFormatException(
        run, 0, null, "no metrics.jsonl or history.jsonl here: is it a run folder?");
  }

  // The metrics whose charts come first, in this order; others rank OTHER (and alphabetically).
  private static final List<String> KEY =
      List.of(
          "score",
          "reward_",
          "eval_score",
          "eval_pass@1",
          "eval_pass@",
          "kl",
          "loss",
          "eval_loss",
          "eval_accuracy",
          "accuracy",
          "policy_loss",
          "value_loss",
          "entropy");

  private static final int OTHER = 1000;

  private static double rank(String metric) {
    int exact = KEY.indexOf(metric);
    if (exact >= 0) {
      return exact;
    }
    for (int i = 0; i < KEY.size(); i++) {
      if (KEY.get(i).endsWith("_") || KEY.get(i).endsWith("@")) {
        if (metric.startsWith(KEY.get(i))) {
          return i;
        }
      }
    }
    return OTHER;
  }

  private static TreeSet<String> metricNames(List<StepMetrics> rows) {
    TreeSet<String> names = new TreeSet<>();
    for (StepMetrics r : rows) {
      r.values()
          .forEach(
              (k, v) -> {
                if (v != null && Double.isFinite(v)) {
                  names.add(k);
                }
              });
    }
    return names;
  }

  private static StepMetrics lastWith(List<StepMetrics> rows, String metric) {
    StepMetrics last = null;
    for (StepMetrics r : rows) {
      Double v = r.values().get(metric);
      if (v != null && Double.isFinite(v)) {
        last = r;
      }
    }
    return last;
  }

  private static double[][] series(List<StepMetrics> rows, String metric) {
    List<double[]> points = new ArrayList<>();
    for (StepMetrics r : rows) {
      Double v = r.values().get(metric);
      if (v != null && Double.isFinite(v)) {
        points.add(new double[] {r.step(), v});
      }
    }
    double[][] xy = new double[2][points.size()];
    for (int i = 0; i < points.size(); i++) {
      xy[0][i] = points.get(i)[0];
      xy[1][i] = points.get(i)[1];
    }
    return xy;
  }

  private static String esc(String s) {
    return HtmlEscapers.htmlEscaper().escape(s);
  }
}
