package io.rlhf4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rlhf4j.data.read.HhRlhf;
import io.rlhf4j.data.read.ReadOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user runs it: stdout carries only the generated text. */
class MainTest {
  @TempDir Path dir;

  private static final String STORIES =
      Path.of(System.getProperty("rlhf4j.shared", "../../shared"), "models/stories260K").toString();

  private static String stdout(String... args) throws Exception {
    PrintStream saved = System.out;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      assertThat(Main.run(args)).as("exit status").isZero();
    } finally {
      System.setOut(saved);
    }
    return buffer.toString(StandardCharsets.UTF_8);
  }

  @Test
  void generatePrintsOnlyTheGreedyStory() throws Exception {
    String out = stdout("generate", "--model", STORIES, "--max-new-tokens", "30");
    assertThat(out).startsWith("Once upon a time, there was a little girl named Lily.");
    assertThat(out.lines().count()).isEqualTo(1);
  }

  @Test
  void convertThenGenerateFromTheHuggingFaceFolder() throws Exception {
    Path hf = dir.resolve("hf");
    stdout("convert", "--from", STORIES, "--to", hf.toString());
    assertThat(hf.resolve("config.json")).exists();
    assertThat(hf.resolve("tokenizer.json")).exists();
    String out =
        stdout(
            "generate",
            "--model",
            hf.toString(),
            "--prompt",
            "Once upon a time",
            "--max-new-tokens",
            "20");
    assertThat(out).startsWith("Once upon a time, there was a little girl named Lily.");
  }

  @Test
  void sampledBatchIsReproducible() throws Exception {
    String[] args = {
      "generate",
      "--model",
      STORIES,
      "--temperature",
      "0.9",
      "--top-k",
      "40",
      "--seed",
      "7",
      "--batch",
      "3",
      "--max-new-tokens",
      "25"
    };
    String first = stdout(args);
    assertThat(first).contains("--- sample 3");
    assertThat(stdout(args)).isEqualTo(first);
  }

  @Test
  void hhRewardPrintsAccuracyNextToTheLongerReplyBaseline() throws Exception {
    String data =
        Path.of(System.getProperty("rlhf4j.shared", "../../shared"), "data/hh-rlhf").toString();
    String out =
        stdout(
            "hh-reward",
            "--model",
            STORIES,
            "--data",
            data,
            "--train-pairs",
            "16",
            "--eval-pairs",
            "16",
            "--max-length",
            "48");
    List<String> rows = out.lines().filter(l -> l.matches("^[a-z-]+.*\\d+\\.\\d%\\s*$")).toList();
    assertThat(rows).hasSize(4);
    assertThat(rows.get(1)).startsWith("helpful-online");
  }

  @Test
  void longerReplyBaselineReproducesThePublishedFigure() {
    Path file =
        Path.of(
            System.getProperty("rlhf4j.shared", "../../shared"),
            "data/hh-rlhf/helpful-online-test.jsonl.gz");
    var pairs = HhRlhf.comparisons(file, ReadOptions.strict()).readAll();
    // shared/data/hh-rlhf/README.md: 42.6 % of helpful-online's chosen replies are longer.
    assertThat(100 * HhRewardCommand.longerReply(pairs)).isCloseTo(42.6, within(0.05));
  }

  @Test
  void badFlagsAndBadFoldersExitNonZero() throws Exception {
    assertThat(Main.run(new String[] {"generate", "--temprature", "1"})).isEqualTo(2);
    assertThat(Main.run(new String[] {"generate", "--model", dir.toString()})).isEqualTo(2);
    assertThat(Main.run(new String[] {"nope"})).isEqualTo(2);
    Files.writeString(dir.resolve("x.jsonl"), "{\"prompt\":\"p\"}\n");
    assertThat(
            Main.run(
                new String[] {
                  "inspect", "--format", "demonstrations", dir.resolve("x.jsonl").toString()
                }))
        .isEqualTo(1);
  }

  @Test
  void demoListsItsFlagsAndRefusesBadOnesBeforeWorking() throws Exception {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertThat(Main.run(new String[] {"demo", "--help"})).isZero();
      assertThat(Main.run(new String[] {"--rounds", "0", "--output", dir.toString()})).isEqualTo(2);
      assertThat(Main.run(new String[] {"demo", "--batch", "6"})).isEqualTo(2);
      Files.writeString(dir.resolve("one.txt"), "just one prompt\n");
      assertThat(
              Main.run(
                  new String[] {
                    "--prompts", dir.resolve("one.txt").toString(), "--output", dir.toString()
                  }))
          .isEqualTo(2);
    } finally {
      System.setErr(saved);
    }
    String text = err.toString(StandardCharsets.UTF_8);
    for (String flag :
        List.of("--model", "--prompts", "--output", "--seed", "--ppo-iterations", "--rounds")) {
      assertThat(text).contains(flag);
    }
    assertThat(text)
        .contains("rounds must be >= 1, got 0")
        .contains("multiple of 4 (four PPO minibatches), got 6");
    assertThat(text).contains("one.txt:1: field 'prompt': need at least 2 prompts");
    assertThat(dir.resolve("metrics.jsonl")).doesNotExist(); // refused before any work
  }
}
