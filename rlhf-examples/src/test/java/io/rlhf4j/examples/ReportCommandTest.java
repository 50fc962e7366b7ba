package io.rlhf4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.rlhf4j.data.EpisodeDemonstration.Turn;
import io.rlhf4j.train.JsonlSamplesWriter;
import io.rlhf4j.train.LoggedSample;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.htmlunit.WebClient;
import org.htmlunit.html.HtmlElement;
import org.htmlunit.html.HtmlImage;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rlhf4j report RUN}, read back in a headless browser. */
class ReportCommandTest {
  @TempDir Path run;

  @Test
  void anyRunsMetricsBecomeAPageWithAChartPerMetric() throws Exception {
    // Two stages; sft has loss at 3 steps and eval_loss at 1 (a table row, no chart); the second
    // stage's name is hostile HTML.
    Files.write(
        run.resolve("metrics.jsonl"),
        List.of(
            "{\"stage\":\"sft\",\"step\":1,\"loss\":2.0}",
            "{\"stage\":\"sft\",\"step\":2,\"loss\":1.5}",
            "{\"stage\":\"sft\",\"step\":3,\"loss\":1.25,\"eval_loss\":1.75}",
            "{\"stage\":\"<script>x()</script>\",\"step\":1,\"score\":0.5,\"kl\":0.0,"
                + "\"clip_fraction\":0.1}",
            "{\"stage\":\"<script>x()</script>\",\"step\":2,\"score\":0.75,\"kl\":0.125,"
                + "\"clip_fraction\":0.2}"));
    Files.writeString(run.resolve("config.yaml"), "lr: 3.0E-4\nnote: <b>bold</b>\n");

    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int status;
    try {
      status = Main.run(new String[] {"report", run.toString()});
    } finally {
      System.setOut(saved);
    }

    assertThat(status).isZero();
    Path page = run.resolve("report.html");
    assertThat(out.toString(StandardCharsets.UTF_8).strip())
        .isEqualTo(page.toAbsolutePath().normalize().toString());
    try (WebClient browser = new WebClient()) {
      browser.getOptions().setDownloadImages(true);
      HtmlPage html = browser.getPage(page.toUri().toURL());
      assertThat(html.getTitleText()).isEqualTo("rlhf4j run report");
      List<HtmlImage> images = html.getByXPath("//img");
      // sft: loss; second stage: score, then kl, then the folded clip_fraction. eval_loss has one
      // point: table only.
      assertThat(images)
          .extracting(HtmlImage::getAltAttribute)
          .containsExactly(
              "sft: loss",
              "<script>x()</script>: score",
              "<script>x()</script>: kl",
              "<script>x()</script>: clip_fraction");
      assertThat(html.getByXPath("//details//img"))
          .extracting(i -> ((HtmlImage) i).getAltAttribute())
          .containsExactly("<script>x()</script>: clip_fraction");
      assertThat(html.asNormalizedText()).contains("1 more chart");
      for (HtmlImage image : images) {
        assertThat(image.getWebResponse(true).getStatusCode()).isEqualTo(200);
        assertThat(image.getWidth()).isEqualTo(760);
        assertThat(image.getHeight()).isEqualTo(400);
      }
      List<HtmlTable> tables = html.getByXPath("//table");
      assertThat(tables.get(0).getRow(1).asNormalizedText()).isEqualTo("eval_loss\t1.750\t3");
      assertThat(tables.get(0).getRow(2).asNormalizedText()).isEqualTo("loss\t1.250\t3");
      assertThat(tables.get(1).getRow(3).asNormalizedText()).isEqualTo("score\t0.7500\t2");
      // Untrusted text is shown as text: no script element, the tags visible as written.
      assertThat(html.getByXPath("//script")).isEmpty();
      assertThat(html.asNormalizedText()).contains("<script>x()</script>").contains("<b>bold</b>");
    }
  }

  @Test
  void rlSamplesOfTheLastStepAreShownTurnByTurnWithTheEnvironmentSetApart() throws Exception {
    Files.write(
        run.resolve("history.jsonl"),
        List.of(
            "{\"stage\":\"round-1/grpo\",\"step\":1,\"score\":0.5}",
            "{\"stage\":\"round-1/grpo\",\"step\":2,\"score\":0.75}"));
    try (JsonlSamplesWriter w = new JsonlSamplesWriter(run.resolve("samples.jsonl"))) {
      w.onSamples(
          List.of(
              new LoggedSample(
                  "round-1/grpo", 1, "Old prompt.", List.of(new Turn("old answer", true)), 0)));
      w.onSamples(
          List.of(
              new LoggedSample(
                  "round-1/grpo",
                  2,
                  "Lily had a secret pet.",
                  List.of(
                      new Turn("<tool_call>{\"name\": \"secret_word\"}</tool_call>", true),
                      new Turn("<tool_response>cat</tool_response>", false),
                      new Turn(" The pet was a cat.", true)),
                  1.0)));
    }
    assertThat(Cli.run("report", run.toString()).status()).isZero();
    try (WebClient browser = new WebClient()) {
      HtmlPage html = browser.getPage(run.resolve("report.html").toUri().toURL());
      String text = html.asNormalizedText();
      assertThat(text).contains("Samples at step 2").doesNotContain("old answer");
      List<HtmlElement> env = html.getByXPath("//div[@class='env']");
      assertThat(env)
          .extracting(HtmlElement::getTextContent)
          .containsExactly("<tool_response>cat</tool_response>");
      List<HtmlElement> policy = html.getByXPath("//span[@class='policy']");
      assertThat(policy)
          .extracting(HtmlElement::getTextContent)
          .containsExactly(
              "<tool_call>{\"name\": \"secret_word\"}</tool_call>", " The pet was a cat.");
      assertThat(text).contains("score 1.000");
    }
  }

  @Test
  void aFolderWithoutMetricsIsOneLine() throws Exception {
    Cli.Outcome o = Cli.run("report", run.toString());
    assertThat(o.status()).isEqualTo(Main.BAD_INPUT);
    assertThat(o.stderr()).contains("error: " + run + ": no metrics.jsonl or history.jsonl here");
  }
}
