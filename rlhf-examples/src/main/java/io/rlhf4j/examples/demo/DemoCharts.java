package io.rlhf4j.examples.demo;

import io.rlhf4j.examples.report.LineChart;
import io.rlhf4j.train.StepMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The demo's charts, drawn from {@code metrics.jsonl} and the held-out evaluation. */
final class DemoCharts {
  private DemoCharts() {}

  /** A written chart: its file name in the run folder and what it shows. */
  record Chart(String file, String caption) {}

  private static final Pattern ROUND_PPO = Pattern.compile("round-(\\d+)/ppo");
  private static final String LOW_KL = "low-kl/ppo";

  /** One series per PPO round, x = PPO iteration counted across rounds. */
  private record Rounds(TreeMap<Integer, List<StepMetrics>> byRound) {
    static Rounds of(List<StepMetrics> metrics) {
      TreeMap<Integer, List<StepMetrics>> byRound = new TreeMap<>();
      for (StepMetrics m : metrics) {
        Matcher match = ROUND_PPO.matcher(m.stage());
        if (match.matches()) {
          byRound.computeIfAbsent(Integer.parseInt(match.group(1)), r -> new ArrayList<>()).add(m);
        }
      }
      byRound.values().forEach(list -> list.sort((a, b) -> Long.compare(a.step(), b.step())));
      return new Rounds(byRound);
    }

    /** One series per round, and a labelled line where each later round starts. */
    LineChart plot(LineChart chart, String metric) {
      int colour = 0;
      for (var e : byRound.entrySet()) {
        chart.line(
            "round " + e.getKey(),
            x(e.getKey()),
            values(e.getValue(), metric),
            LineChart.PALETTE[colour++ % LineChart.PALETTE.length]);
      }
      return boundaries(chart);
    }

    LineChart boundaries(LineChart chart) {
      byRound.keySet().stream()
          .skip(1)
          .forEach(round -> chart.vertical(x(round)[0] - 0.5, "round " + round));
      return chart;
    }

    /** Every round's values in one array, NaN between rounds so a line breaks there. */
    double[][] allRounds(String metric) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (var e : byRound.entrySet()) {
        double[] x = x(e.getKey());
        double[] y = values(e.getValue(), metric);
        for (int i = 0; i < x.length; i++) {
          xs.add(x[i]);
          ys.add(y[i]);
        }
        xs.add(Double.NaN);
        ys.add(Double.NaN);
      }
      return new double[][] {
        xs.stream().mapToDouble(Double::doubleValue).toArray(),
        ys.stream().mapToDouble(Double::doubleValue).toArray()
      };
    }

    // PPO iterations counted across rounds: a round's steps follow the previous round's last.
    private double[] x(int round) {
      long offset = 0;
      for (var e : byRound.headMap(round).values()) {
        offset += e.isEmpty() ? 0 : e.get(e.size() - 1).step();
      }
      long base = offset;
      return byRound.get(round).stream().mapToDouble(m -> base + m.step()).toArray();
    }
  }

  static List<Chart> write(
      Path out, List<StepMetrics> metrics, DemoSettings settings, List<PolicyScores> scores)
      throws IOException {
    Rounds rounds = Rounds.of(metrics);
    List<Chart> charts = new ArrayList<>();
    String iteration = "PPO iteration (all rounds)";

    rounds
        .plot(
            new LineChart("Learned reward of PPO rollouts", iteration, "reward-model score"),
            "score")
        .horizontal(0, "SFT samples (normalised to 0)")
        .writePng(out.resolve("reward.png"));
    charts.add(
        new Chart(
            "reward.png",
            "The reward model's mean score of each PPO batch. Each round refits the reward model"
                + " and re-centres it on SFT samples, so the scale restarts at a round boundary."));

    LineChart hidden =
        rounds.plot(
            new LineChart("The rater's hidden score of PPO rollouts", iteration, "hidden score"),
            Demo.HIDDEN);
    scores.stream()
        .filter(s -> s.name().equals("SFT"))
        .findFirst()
        .ifPresent(s -> hidden.horizontal(s.hidden(), "SFT, held-out prompts"));
    hidden.writePng(out.resolve("hidden_score.png"));
    charts.add(
        new Chart(
            "hidden_score.png",
            "What the rater would say of the same rollouts: the score PPO never sees."));

    rounds
        .plot(new LineChart("KL to the SFT model", iteration, "nats per response"), "kl")
        .horizontal(settings.klTarget(), "adaptive KL target")
        .writePng(out.resolve("kl.png"));
    charts.add(
        new Chart(
            "kl.png",
            "Mean Σ log π/π_SFT over each batch's responses; the adaptive controller moves β to"
                + " keep it near the target."));

    rounds
        .plot(new LineChart("Response length", iteration, "tokens"), "response_length")
        .writePng(out.resolve("response_length.png"));
    boolean allCapped =
        metrics.stream()
            .filter(m -> m.stage().endsWith("/ppo"))
            .allMatch(
                m -> m.values().getOrDefault("response_length", 0.0) >= settings.maxNewTokens());
    charts.add(
        new Chart(
            "response_length.png",
            "Mean response length of each PPO batch."
                + (allCapped
                    ? " Every response here ran to the "
                        + settings.maxNewTokens()
                        + "-token cap (this model's stories run for hundreds of tokens), so the"
                        + " line is flat; with a model whose answers end, it shows length drift."
                    : "")));

    double[][] approxKl = rounds.allRounds("approx_kl");
    double[][] clipped = rounds.allRounds("clip_fraction");
    LineChart updates =
        rounds.boundaries(
            new LineChart(
                    "PPO update health: approximate KL and clip fraction", iteration, "per update")
                .line("approx KL", approxKl[0], approxKl[1], LineChart.PALETTE[0])
                .dashed("clip fraction", clipped[0], clipped[1], LineChart.PALETTE[1]));
    updates.writePng(out.resolve("ppo_updates.png"));
    charts.add(
        new Chart(
            "ppo_updates.png",
            "Approximate KL between the policy before and after each iteration's updates (k3"
                + " estimator) and the share of ratios outside 1 ± ε."));

    List<StepMetrics> round1 = rounds.byRound().getOrDefault(1, List.of());
    List<StepMetrics> low =
        metrics.stream().filter(m -> m.stage().equals(LOW_KL)).sorted(byStep()).toList();
    LineChart over =
        new LineChart(
            "Over-optimisation: learned reward vs the rater as KL grows",
            "KL to the SFT model (nats per response)",
            "score");
    if (!round1.isEmpty()) {
      over.line(
          "learned, adaptive β",
          values(round1, "kl"),
          values(round1, "score"),
          LineChart.PALETTE[0]);
      over.dashed(
          "hidden, adaptive β",
          values(round1, "kl"),
          values(round1, Demo.HIDDEN),
          LineChart.PALETTE[0]);
    }
    if (!low.isEmpty()) {
      over.line(
          "learned, β = " + settings.lowBeta(),
          values(low, "kl"),
          values(low, "score"),
          LineChart.PALETTE[3]);
      over.dashed(
          "hidden, β = " + settings.lowBeta(),
          values(low, "kl"),
          values(low, Demo.HIDDEN),
          LineChart.PALETTE[3]);
    }
    over.writePng(out.resolve("overoptimisation.png"));
    charts.add(
        new Chart(
            "overoptimisation.png",
            "Round 1's reward model, two PPO runs from the same SFT model: solid lines are the"
                + " learned reward PPO maximises, dashed lines the rater's hidden score of the"
                + " same samples. With too small a β the policy walks far from the SFT model,"
                + " the learned reward keeps rising and the hidden score turns down (Gao et al."
                + " 2022). Each point averages three consecutive PPO iterations."));
    return charts;
  }

  private static java.util.Comparator<StepMetrics> byStep() {
    return (a, b) -> Long.compare(a.step(), b.step());
  }

  // A centred three-point moving average: one PPO batch is noisy, the trend is what matters.
  static double[] smooth(double[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      int from = Math.max(0, i - 1);
      int to = Math.min(v.length - 1, i + 1);
      double sum = 0;
      for (int j = from; j <= to; j++) {
        sum += v[j];
      }
      out[i] = sum / (to - from + 1);
    }
    return out;
  }

  private static double[] values(List<StepMetrics> steps, String metric) {
    return steps.stream().mapToDouble(m -> m.values().getOrDefault(metric, Double.NaN)).toArray();
  }
}
