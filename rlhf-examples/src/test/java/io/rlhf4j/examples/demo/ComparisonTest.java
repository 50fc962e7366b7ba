package io.rlhf4j.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The head-to-head comparison shortened to tiny step counts. */
class ComparisonTest {
  @TempDir Path dir;

  @Test
  void everyAlgorithmRunsFromTheSameSftModelAndIsReported() throws Exception {
    DemoSettings demo =
        DemoSettings.builder()
            .model(DemoTest.STORIES)
            .candidates(2)
            .sftEpochs(1)
            .labelPrompts(16)
            .rewardEpochs(1)
            .ppoIterations(1)
            .rolloutBatch(8)
            .maxNewTokens(16)
            .evalPrompts(6)
            .evalSamples(2)
            .build();
    Comparison.Settings settings = new Comparison.Settings(dir, Comparison.ALGORITHMS, 2, 2, 8);
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    List<Comparison.Row> rows =
        new Comparison(
                demo,
                settings,
                new PrintStream(console, true, StandardCharsets.UTF_8),
                Device.cpu())
            .run();
    assertThat(rows).extracting(Comparison.Row::algorithm).isEqualTo(Comparison.ALGORITHMS);
    for (Comparison.Row r : rows) {
      assertThat(java.util.Arrays.stream(r.hidden()).boxed())
          .as(r.algorithm())
          .hasSize(2)
          .allMatch(Double::isFinite);
      // Every algorithm moved its policy away from the SFT model it started from.
      assertThat(java.util.Arrays.stream(r.kl()).boxed()).as(r.algorithm()).allMatch(kl -> kl > 0);
      assertThat(java.util.Arrays.stream(r.peakGb()).boxed())
          .as(r.algorithm())
          .allMatch(gb -> gb > 0.05 && gb < 8);
      if (List.of("dpo", "simpo", "orpo").contains(r.algorithm())) {
        assertThat(r.curve()).isEmpty();
        assertThat(r.responses()).isPositive().isLessThanOrEqualTo(16 * 4);
      } else {
        // DAPO's dynamic sampling samples more than the budget when groups tie, and says so.
        if (r.algorithm().equals("dapo")) {
          assertThat(r.responses()).isGreaterThanOrEqualTo(16);
        } else {
          assertThat(r.responses()).isEqualTo(16);
        }
        assertThat(java.util.Arrays.stream(r.curve()).boxed())
            .hasSize(2)
            .allMatch(Double::isFinite);
      }
    }
    // The GRPO run has no value model; PPO has one.
    assertThat(
            new Comparison(demo, settings, System.err, Device.cpu())
                .rlConfig("grpo", 0)
                .usesCritic())
        .isFalse();
    assertThat(
            new Comparison(demo, settings, System.err, Device.cpu())
                .rlConfig("ppo", 0)
                .usesCritic())
        .isTrue();
    String table = Files.readString(dir.resolve("comparison.md"));
    assertThat(
            table
                .lines()
                .filter(
                    l ->
                        l.startsWith("| ")
                            && !l.startsWith("| algorithm")
                            && !l.startsWith("| ---")))
        .hasSize(Comparison.ALGORITHMS.size());
    assertThat(ImageIO.read(dir.resolve("comparison.png").toFile()).getWidth()).isPositive();
    assertThat(Files.readString(dir.resolve("comparison.json"))).contains("\"algorithm\":\"grpo\"");
  }
}
