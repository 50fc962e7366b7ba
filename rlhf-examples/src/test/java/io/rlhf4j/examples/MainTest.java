package io.rlhf4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.rlhf4j.data.read.HhRlhf;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.djl.io.PeftAdapter;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.LoraConfig;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.examples.Cli.Outcome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  void anAdapterDecodesTheSameMergedOrNotAndConvertsBothWays() throws Exception {
    // An adapter strong enough to change the greedy story: B drawn at random instead of zero.
    Path adapter = dir.resolve("adapter");
    try (PretrainedModel base = PretrainedModel.load(Path.of(STORIES), Device.cpu());
        CausalLm view = base.model().withLora(LoraConfig.builder().rank(4).alpha(8).build())) {
      Map<String, Tensor> tensors = new LinkedHashMap<>(view.toTensors());
      java.util.Random random = new java.util.Random(5);
      tensors.replaceAll(
          (name, t) -> {
            float[] data = t.data().clone();
            if (name.endsWith("lora_B")) {
              for (int i = 0; i < data.length; i++) {
                data[i] = (float) (random.nextGaussian() * 0.1);
              }
            }
            return new Tensor(t.shape(), data);
          });
      view.loadTensors(tensors);
      PeftAdapter.save(view, adapter, STORIES);
    }
    String[] greedy = {"--max-new-tokens", "30"};
    String plain = stdout(concat(new String[] {"generate", "--model", STORIES}, greedy));
    String adapted =
        stdout(
            concat(
                new String[] {"generate", "--model", STORIES, "--adapter", adapter.toString()},
                greedy));
    assertThat(adapted).isNotEqualTo(plain);
    assertThat(
            stdout(
                concat(
                    new String[] {
                      "generate", "--model", STORIES, "--adapter", adapter.toString(), "--merge"
                    },
                    greedy)))
        .isEqualTo(adapted);
    Path merged = dir.resolve("merged");
    stdout(
        "convert",
        "--from",
        STORIES,
        "--adapter",
        adapter.toString(),
        "--merge",
        "--to",
        merged.toString());
    assertThat(merged.resolve("adapter")).doesNotExist();
    assertThat(stdout(concat(new String[] {"generate", "--model", merged.toString()}, greedy)))
        .isEqualTo(adapted);
    Path pair = dir.resolve("pair");
    stdout("convert", "--from", STORIES, "--adapter", adapter.toString(), "--to", pair.toString());
    assertThat(stdout(concat(new String[] {"generate", "--model", pair.toString()}, greedy)))
        .isEqualTo(plain);
    assertThat(
            stdout(
                concat(
                    new String[] {
                      "generate",
                      "--model",
                      pair.toString(),
                      "--adapter",
                      pair.resolve("adapter").toString()
                    },
                    greedy)))
        .isEqualTo(adapted);
    assertOneLineError(
        run("generate", "--model", STORIES, "--merge"), Main.USAGE, "--merge needs --adapter");
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
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

  private static Outcome run(String... args) {
    return Cli.run(args);
  }

  /** One line, "error: ...", never a stack trace. */
  private static void assertOneLineError(Outcome o, int status, String... contains) {
    assertThat(o.status()).as(o.stderr()).isEqualTo(status);
    List<String> errors = o.stderr().lines().filter(l -> l.startsWith("error: ")).toList();
    assertThat(errors).as(o.stderr()).hasSize(1);
    assertThat(errors.get(0)).contains(contains);
    assertThat(o.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void usageErrorsExitTwoAndInputErrorsOne() throws Exception {
    assertOneLineError(
        run("generate", "--temprature", "1"), Main.USAGE, "Unknown option", "--temprature");
    assertOneLineError(run("nope"), Main.USAGE, "unknown command 'nope'");
    assertOneLineError(
        run("inspect", "--format"), Main.USAGE, "Missing required parameter", "--format");
    assertOneLineError(
        run("generate", "--model"), Main.USAGE, "Missing required parameter", "--model");
    assertOneLineError(run("generate", "--model", dir.toString()), Main.BAD_INPUT, dir.toString());
    Files.writeString(dir.resolve("x.jsonl"), "{\"prompt\":\"p\"}\n");
    assertOneLineError(
        run("inspect", "--format", "demonstrations", dir.resolve("x.jsonl").toString()),
        Main.BAD_INPUT,
        "x.jsonl:1: field 'response': is missing");
  }

  @Test
  void everyInputProblemTheReviewFoundIsOneLine() throws Exception {
    Path missing = dir.resolve("missing.jsonl");
    assertOneLineError(
        run("inspect", "--format", "comparisons", missing.toString()),
        Main.BAD_INPUT,
        missing + ": no such file or folder");
    assertOneLineError(
        run("inspect", "--format", "comparisons", dir.toString()),
        Main.BAD_INPUT,
        dir + ": is a directory");
    Path badGzip = dir.resolve("bad.jsonl.gz");
    Files.write(badGzip, new byte[] {0x1f, (byte) 0x8b, 7, 0, 0, 0, 0, 0, 0, 0});
    assertOneLineError(
        run("inspect", "--format", "comparisons", badGzip.toString()),
        Main.BAD_INPUT,
        "bad.jsonl.gz");
    Path notFolder = dir.resolve("votes.csv");
    Files.writeString(notFolder, "id\n");
    assertOneLineError(
        run("inspect", "--format", "llmfao", notFolder.toString()),
        Main.BAD_INPUT,
        "expected the LLMFAO folder");
    Path margin = dir.resolve("margin.jsonl");
    Files.writeString(
        margin, "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"margin\":1e999}\n");
    assertOneLineError(
        run("inspect", "--format", "comparisons", margin.toString()),
        Main.BAD_INPUT,
        "margin.jsonl:1:");
    // A model folder whose config overflows an int, or has no heads.
    Path hf = dir.resolve("hf");
    stdout("convert", "--from", STORIES, "--to", hf.toString());
    String config = Files.readString(hf.resolve("config.json"));
    Files.writeString(
        hf.resolve("config.json"),
        config.replace("\"vocab_size\":512", "\"vocab_size\":1099511627776"));
    assertOneLineError(run("generate", "--model", hf.toString()), Main.BAD_INPUT, "vocab_size");
    Files.writeString(
        hf.resolve("config.json"),
        config.replace("\"num_attention_heads\":8", "\"num_attention_heads\":0"));
    assertOneLineError(
        run("generate", "--model", hf.toString()), Main.BAD_INPUT, "num_attention_heads");
    // An output folder that cannot be created: a file stands where it should go.
    Path blocker = dir.resolve("blocker");
    Files.writeString(blocker, "a file, not a folder");
    assertOneLineError(
        run("convert", "--from", STORIES, "--to", blocker.resolve("out").toString()),
        Main.BAD_INPUT,
        "blocker");
  }

  @Test
  void demoListsItsFlagsAndRefusesBadOnesBeforeWorking() throws Exception {
    Files.writeString(dir.resolve("one.txt"), "just one prompt\n");
    List<Outcome> runs =
        List.of(
            run("demo", "--help"),
            run("--rounds", "0", "--output", dir.toString()),
            run("demo", "--batch", "6"),
            run("--prompts", dir.resolve("one.txt").toString(), "--output", dir.toString()));
    assertThat(runs)
        .extracting(Outcome::status)
        .containsExactly(0, Main.USAGE, Main.USAGE, Main.BAD_INPUT);
    String text = runs.stream().map(Outcome::stderr).collect(java.util.stream.Collectors.joining());
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
