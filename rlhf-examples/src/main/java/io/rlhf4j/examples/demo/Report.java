package io.rlhf4j.examples.demo;

import com.google.common.html.HtmlEscapers;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.internal.json.JsonWriter;
import io.rlhf4j.train.StepMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo's one-page HTML report ({@code report.html}, images beside it) and its numbers as JSON
 * ({@code summary.json}).
 */
final class Report {
  private Report() {}

  private static final Pattern ROUND_REWARD = Pattern.compile("round-(\\d+)/reward");
  private static final int SAMPLE_ROWS = 8;

  /** Writes charts, {@code summary.json} and {@code report.html}; returns the report's path. */
  static Path write(
      Path out,
      DemoSettings settings,
      List<StepMetrics> metrics,
      List<PolicyScores> scores,
      List<String> evalPrompts,
      Map<Integer, Double> ceilings)
      throws IOException {
    List<DemoCharts.Chart> charts = DemoCharts.write(out, metrics, settings, scores);
    PolicyScores sft = find(scores, "SFT").orElseThrow();
    PolicyScores ppo = find(scores, "PPO round " + settings.rounds()).orElseThrow();
    Map<Integer, Double> accuracy = rewardAccuracy(metrics);
    double gain = ppo.hidden() - sft.hidden();
    double gainErr = Math.hypot(ppo.hiddenStdErr(), sft.hiddenStdErr());

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("model", settings.model().toString());
    summary.put("seed", settings.seed());
    summary.put("ppo_hidden_gain_over_sft", gain);
    summary.put("ppo_hidden_gain_std_err", gainErr);
    Map<String, Object> acc = new LinkedHashMap<>();
    accuracy.forEach((round, a) -> acc.put("round-" + round, a));
    summary.put("reward_model_heldout_accuracy", acc);
    Map<String, Object> ceiling = new LinkedHashMap<>();
    ceilings.forEach((round, a) -> ceiling.put("round-" + round, a));
    summary.put("rater_heldout_ceiling", ceiling);
    summary.put("policies", scores.stream().map(Report::json).toList());
    AtomicFiles.writeString(out.resolve("summary.json"), JsonWriter.write(summary) + "\n");

    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
        .append("<title>rlhf4j demo report</title>\n<style>\n")
        .append("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;")
        .append("color:#222}\n")
        .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;")
        .append("padding:4px 8px;vertical-align:top}th{background:#f3f3f3}\n")
        .append("td.n{text-align:right;font-variant-numeric:tabular-nums}\n")
        .append("figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #ddd}\n")
        .append(".headline{font-size:1.15em;background:#eef6ee;padding:.8em;border-radius:6px}\n")
        .append("td.sample{font-size:.9em;width:28%}.score{color:#666;font-size:.85em}\n")
        .append("</style></head><body>\n");
    h.append("<h1>rlhf4j demo: InstructGPT on ")
        .append(esc(settings.model().getFileName().toString()))
        .append("</h1>\n");
    h.append("<p class=\"headline\">On ")
        .append(evalPrompts.size())
        .append(" held-out prompts, PPO (round ")
        .append(settings.rounds())
        .append(") ")
        .append(gain >= 0 ? "raised" : "lowered")
        .append(" the rater's hidden score from <b>")
        .append(fmt(sft.hidden()))
        .append("</b> (SFT) to <b>")
        .append(fmt(ppo.hidden()))
        .append("</b>: <b>")
        .append(String.format("%+.3f", gain))
        .append("</b> (± ")
        .append(fmt(gainErr))
        .append(" standard error), at a KL of ")
        .append(fmt(ppo.klToSft()))
        .append(" nats to the SFT model.</p>\n");
    h.append("<p>The pipeline: the best of ")
        .append(settings.candidates())
        .append(" base-model samples per prompt under the rater became the SFT demonstrations;")
        .append(" the rater then ranked K = ")
        .append(settings.k())
        .append(" samples per prompt with Bradley-Terry noise (τ = ")
        .append(settings.raterTemperature())
        .append("), a reward model initialised from the SFT model was fit on those rankings,")
        .append(" and PPO with an adaptive KL penalty (target ")
        .append(settings.klTarget())
        .append(" nats) optimised it; ")
        .append(settings.rounds())
        .append(" round(s) of fresh samples, fresh rankings, refit and RL in all.</p>\n");
    h.append("<p>The rater's hidden taste: ")
        .append("+1 if the story mentions a friend, +0.25 per cheerful word (up to 4), +0.5 if")
        .append(" the last finished sentence is cheerful, −2 × the share of repeated word")
        .append(" trigrams, −0.5 if the story stops mid-sentence. No model ever sees this rule;")
        .append(" the reward model sees only rankings.")
        .append("</p>\n");

    h.append("<h2>Before and after</h2>\n<table><tr><th>policy</th><th>hidden score</th>")
        .append("<th>learned reward<br>(final reward model)</th><th>KL to SFT (nats)</th>")
        .append("<th>length (tokens)</th><th>finished (EOS)</th><th>repeated trigrams</th>")
        .append("</tr>\n");
    for (PolicyScores s : scores) {
      h.append("<tr><td>")
          .append(esc(s.name()))
          .append("</td><td class=\"n\">")
          .append(fmt(s.hidden()))
          .append(" ± ")
          .append(fmt(s.hiddenStdErr()))
          .append("</td><td class=\"n\">")
          .append(fmt(s.reward()))
          .append("</td><td class=\"n\">")
          .append(fmt(s.klToSft()))
          .append("</td><td class=\"n\">")
          .append(String.format("%.1f", s.length()))
          .append("</td><td class=\"n\">")
          .append(String.format("%.0f%%", 100 * s.finished()))
          .append("</td><td class=\"n\">")
          .append(String.format("%.1f%%", 100 * s.repetition()))
          .append("</td></tr>\n");
    }
    h.append("</table>\n");
    if (!accuracy.isEmpty()) {
      h.append("<p>Reward model, pairwise accuracy on each round's own held-out rankings (the")
          .append(" rater's noisy ones), next to the ceiling that noise sets (how often the")
          .append(" rater's noiseless score agrees with its own rankings of the same items): ");
      accuracy.forEach(
          (round, a) ->
              h.append("round ")
                  .append(round)
                  .append(": ")
                  .append(fmt(a))
                  .append(" (ceiling ")
                  .append(fmt(ceilings.getOrDefault(round, Double.NaN)))
                  .append("); "));
      h.setLength(h.length() - 2);
      h.append(".</p>\n");
    }

    h.append("<h2>Charts</h2>\n");
    for (DemoCharts.Chart c : charts) {
      h.append("<figure><img src=\"")
          .append(esc(c.file()))
          .append("\" alt=\"")
          .append(esc(c.file()))
          .append("\" width=\"760\" height=\"400\"><figcaption>")
          .append(esc(c.caption()))
          .append("</figcaption></figure>\n");
    }

    PolicyScores base = find(scores, "base").orElseThrow();
    h.append("<h2>Samples: the same held-out prompts</h2>\n")
        .append("<p>The first sample of each policy for each prompt (same sampling seed),")
        .append(" with the rater's hidden score.</p>\n")
        .append("<table><tr><th>prompt</th><th>base</th><th>SFT</th><th>")
        .append(esc(ppo.name()))
        .append("</th></tr>\n");
    for (int i = 0; i < Math.min(SAMPLE_ROWS, evalPrompts.size()); i++) {
      h.append("<tr><td>").append(esc(evalPrompts.get(i))).append("</td>");
      for (PolicyScores s : List.of(base, sft, ppo)) {
        h.append("<td class=\"sample\">")
            .append(esc(s.samples().get(i)))
            .append(" <span class=\"score\">[")
            .append(fmt(s.sampleScores().get(i)))
            .append("]</span></td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n");
    h.append("<h2>Files</h2>\n<ul>\n")
        .append("<li><code>metrics.jsonl</code>: every step of every stage</li>\n")
        .append("<li><code>summary.json</code>: the numbers on this page</li>\n")
        .append("<li><code>demonstrations.jsonl</code>, <code>round-N/rankings.jsonl</code>:")
        .append(" the data the rater produced</li>\n")
        .append("<li><code>policy/</code>: the final policy as a Hugging Face folder</li>\n")
        .append("<li><code>sft/</code>, <code>round-N/reward</code>, <code>round-N/ppo</code>:")
        .append(" checkpoints (a rerun resumes from them)</li>\n</ul>\n");
    h.append("</body></html>\n");
    Path report = out.resolve("report.html");
    AtomicFiles.writeString(report, h.toString());
    return report;
  }

  private static Optional<PolicyScores> find(List<PolicyScores> scores, String name) {
    return scores.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** The last held-out accuracy each round's reward model reported. */
  static Map<Integer, Double> rewardAccuracy(List<StepMetrics> metrics) {
    Map<Integer, Double> out = new java.util.TreeMap<>();
    for (StepMetrics m : metrics) {
      Matcher match = ROUND_REWARD.matcher(m.stage());
      Double a = m.values().get("eval_accuracy");
      if (match.matches() && a != null && !a.isNaN()) {
        out.put(Integer.parseInt(match.group(1)), a);
      }
    }
    return out;
  }

  private static Map<String, Object> json(PolicyScores s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.name());
    m.put("hidden_score", s.hidden());
    m.put("hidden_score_std_err", s.hiddenStdErr());
    m.put("learned_reward", s.reward());
    m.put("kl_to_sft", s.klToSft());
    m.put("response_length", s.length());
    m.put("finished", s.finished());
    m.put("repeated_trigrams", s.repetition());
    return m;
  }

  private static String fmt(double v) {
    return String.format("%.3f", v);
  }

  static String esc(String s) {
    return HtmlEscapers.htmlEscaper().escape(s);
  }
}
