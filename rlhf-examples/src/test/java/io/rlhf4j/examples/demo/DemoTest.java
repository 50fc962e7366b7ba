package io.rlhf4j.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.train.MetricsFile;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.htmlunit.WebClient;
import org.htmlunit.WebResponse;
import org.htmlunit.html.HtmlImage;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job shortened to tiny step counts: every artefact exists and parses, and the report
 * opens in a headless browser with every image loaded.
 */
class DemoTest {
  @TempDir static Path dir;
  private static Path out;
  private static Demo.Outcome outcome;
  private static String console;

  static final Path STORIES =
      Path.of(System.getProperty("rlhf4j.shared", "../../shared"), "models/stories260K");

  static final String[] CHARTS = {
    "reward.png",
    "hidden_score.png",
    "kl.png",
    "response_length.png",
    "ppo_updates.png",
    "overoptimisation.png"
  };

  @BeforeAll
  static void runShortDemo() throws Exception {
    out = dir.resolve("run");
    DemoSettings settings =
        DemoSettings.builder()
            .model(STORIES)
            .output(out)
            .candidates(2)
            .sftEpochs(1)
            .labelPrompts(12)
            .rewardEpochs(1)
            .rounds(2)
            .ppoIterations(2)
            .rolloutBatch(8)
            .maxNewTokens(16)
            .lowKlIterations(2)
            .evalPrompts(6)
            .evalSamples(2)
            .build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    outcome =
        new Demo(settings, new PrintStream(bytes, true, StandardCharsets.UTF_8), Device.cpu())
            .run();
    console = bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void consoleShowsStagesAndProgress() {
    for (int stage = 1; stage <= 6; stage++) {
      assertThat(console).contains("[" + stage + "/6]");
    }
    // Not a terminal: plain progress lines, no carriage returns redrawing a bar into the file.
    assertThat(console)
        .contains("round-2/ppo: step")
        .contains("hidden_score=")
        .doesNotContain("\r");
  }

  @Test
  void metricsCoverEveryStageAndParse() throws Exception {
    Set<String> stages = new HashSet<>();
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    for (String line : lines) {
      Map<String, Object> m = Json.parseObject(line); // throws on a malformed line
      String stage = (String) m.get("stage");
      stages.add(stage);
      if (stage.endsWith("/ppo")) {
        assertThat(m)
            .containsKeys(
                "score",
                Demo.HIDDEN,
                "kl",
                "beta",
                "approx_kl",
                "clip_fraction",
                "explained_variance",
                "entropy",
                "response_length");
      }
    }
    assertThat(stages)
        .contains(
            "sft", "round-1/reward", "round-1/ppo", "round-2/reward", "round-2/ppo", "low-kl/ppo");
    assertThat(MetricsFile.read(out.resolve("metrics.jsonl")))
        .filteredOn(m -> m.stage().equals("round-2/ppo"))
        .hasSize(2);
  }

  @Test
  void roundTwoStartsFromTheBetaRoundOneEndedWith() throws Exception {
    List<io.rlhf4j.train.StepMetrics> m = MetricsFile.read(out.resolve("metrics.jsonl"));
    var last1 =
        m.stream().filter(s -> s.stage().equals("round-1/ppo") && s.step() == 2).findFirst();
    var first2 =
        m.stream().filter(s -> s.stage().equals("round-2/ppo") && s.step() == 1).findFirst();
    // Ziegler's controller applied by hand to round 1's last step (batch 8, horizon 2 batches).
    var controller =
        new io.rlhf4j.train.ppo.AdaptiveKlController(last1.orElseThrow().get("beta"), 6, 16);
    controller.update(last1.orElseThrow().get("kl"), 8);
    assertThat(first2.orElseThrow().get("beta"))
        .isCloseTo(controller.beta(), org.assertj.core.data.Offset.offset(1e-12))
        .isNotEqualTo(0.2);
  }

  @Test
  void chartsArePngsWithContent() throws Exception {
    for (String chart : CHARTS) {
      BufferedImage image = ImageIO.read(out.resolve(chart).toFile());
      assertThat(image).as(chart).isNotNull();
      Set<Integer> colours = new HashSet<>();
      for (int x = 0; x < image.getWidth(); x += 3) {
        for (int y = 0; y < image.getHeight(); y += 3) {
          colours.add(image.getRGB(x, y));
        }
      }
      assertThat(colours.size()).as("distinct colours in " + chart).isGreaterThan(10);
    }
  }

  @Test
  void demonstrationsAreFinishedStoriesAndTeachSftToEnd() throws Exception {
    // The rater keeps the best sample up to its last full stop: every demonstration is finished,
    // so SFT learns to end a story (with EOS), which the base model never does within the cap.
    assertThat(
            Jsonl.demonstrations(out.resolve("demonstrations.jsonl"), ReadOptions.strict())
                .readAll())
        .isNotEmpty()
        .allMatch(d -> !d.truncated())
        .allMatch(d -> StoryRater.afterLastSentence(d.response()).isBlank());
    Map<String, Object> summary = Json.parseObject(Files.readString(out.resolve("summary.json")));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> policies = (List<Map<String, Object>>) summary.get("policies");
    double base = ((Number) policies.get(0).get("finished")).doubleValue();
    double sft = ((Number) policies.get(1).get("finished")).doubleValue();
    assertThat(base).isZero();
    assertThat(sft).isGreaterThan(base);
    // Each round's reward-model accuracy is reported with the ceiling the rater's noise sets.
    assertThat((Map<?, ?>) summary.get("rater_heldout_ceiling")).isNotEmpty();
  }

  @Test
  void aRerunWithOtherFlagsIsRefusedBeforeAnyWork() throws Exception {
    long before = Files.size(out.resolve("metrics.jsonl"));
    DemoSettings other =
        DemoSettings.builder().model(STORIES).output(out).candidates(2).seed(1).build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new Demo(other, new PrintStream(bytes, true, StandardCharsets.UTF_8), Device.cpu())
                    .run())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--seed was 0, is now 1")
        .hasMessageContaining("--ppo-iterations was 2, is now 20");
    assertThat(Files.size(out.resolve("metrics.jsonl"))).isEqualTo(before);
  }

  @Test
  void dataSummaryAndPolicyFolderParse() throws Exception {
    assertThat(
            Jsonl.demonstrations(out.resolve("demonstrations.jsonl"), ReadOptions.strict())
                .readAll())
        .isNotEmpty();
    assertThat(
            Jsonl.rankings(out.resolve("round-1/rankings.jsonl"), ReadOptions.strict()).readAll())
        .hasSize(12)
        .allMatch(r -> r.k() == 4);
    Map<String, Object> summary = Json.parseObject(Files.readString(out.resolve("summary.json")));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> policies = (List<Map<String, Object>>) summary.get("policies");
    assertThat(policies)
        .extracting(p -> p.get("name"))
        .containsExactly("base", "SFT", "PPO round 1", "PPO round 2", "PPO, beta 0.002");
    double sft = ((Number) policies.get(1).get("hidden_score")).doubleValue();
    double ppo = ((Number) policies.get(3).get("hidden_score")).doubleValue();
    assertThat(((Number) summary.get("ppo_hidden_gain_over_sft")).doubleValue())
        .isEqualTo(ppo - sft);
    assertThat(((Number) policies.get(1).get("kl_to_sft")).doubleValue()).isZero();
    try (PretrainedModel policy = PretrainedModel.load(out.resolve("policy"), Device.cpu())) {
      assertThat(policy.tokenizer().encode("Once upon a time", true))
          .containsExactly(1, 403, 407, 261, 378);
    }
  }

  @Test
  void reportRendersHeadlessWithEveryImageLoaded() throws Exception {
    try (WebClient browser = new WebClient()) {
      browser.getOptions().setDownloadImages(true);
      browser.getOptions().setJavaScriptEnabled(true);
      HtmlPage page = browser.getPage(outcome.report().toUri().toURL());
      assertThat(page.getTitleText()).isEqualTo("rlhf4j demo report");
      List<HtmlImage> images = page.getByXPath("//img");
      List<String> sources = new ArrayList<>();
      for (HtmlImage image : images) {
        WebResponse response = image.getWebResponse(true);
        assertThat(response).as(image.getSrcAttribute()).isNotNull();
        assertThat(response.getStatusCode()).as(image.getSrcAttribute()).isEqualTo(200);
        assertThat(image.getWidth())
            .as("decoded width of " + image.getSrcAttribute())
            .isEqualTo(760);
        assertThat(image.getHeight()).isEqualTo(400);
        sources.add(image.getSrcAttribute());
      }
      assertThat(sources).containsExactly(CHARTS);
      String text = page.asNormalizedText();
      assertThat(text).contains("Before and after").contains("PPO round 2").contains("SFT");
      Object allLoaded =
          page.executeJavaScript(
                  "Array.prototype.every.call(document.images,"
                      + " function (i) { return i.complete && i.naturalWidth === 760; })")
              .getJavaScriptResult();
      assertThat(allLoaded).isEqualTo(Boolean.TRUE);
    }
  }
}
