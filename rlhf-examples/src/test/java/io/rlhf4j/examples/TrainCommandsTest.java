package io.rlhf4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.examples.Cli.Outcome;
import io.rlhf4j.train.Examples;
import io.rlhf4j.train.MetricsFile;
import io.rlhf4j.train.SamplesFile;
import io.rlhf4j.train.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training from the shell on a user's own files: field names mapped, a config file overridden by
 * options, the resolved config saved, a metrics file, reruns resumed or refused.
 */
class TrainCommandsTest {
  private static final String STORIES =
      Path.of(System.getProperty("rlhf4j.shared", "../../shared"), "models/stories260K").toString();

  /** Demonstrations in the user's own field names (question / answer). */
  private static final String[][] DEMOS = {
    {"Lily had a red ball.", " She played with her friend and they were happy."},
    {"Tom saw a big dog.", " The dog was kind and Tom smiled. They became friends."},
    {"The sun was warm.", " Sue and her friend went to the park and laughed."},
    {"A bird sang a song.", " The bird was happy and sang with its friend."},
    {"Ben found a box.", " In the box was a toy. Ben shared it with his friend."},
    {"Mia baked a cake.", " She gave a piece to her friend. They were glad."}
  };

  @TempDir Path dir;
  private Path demos;
  private Path pairs;
  private Path prompts;

  @BeforeEach
  void writeUserFiles() throws IOException {
    List<String> lines = new ArrayList<>();
    for (String[] d : DEMOS) {
      lines.add("{\"question\": \"" + d[0] + "\", \"answer\": \"" + d[1] + "\"}");
    }
    demos = Files.write(dir.resolve("demos.jsonl"), lines);
    // PRD's layout: two answers and a label, < 0 preferring the first.
    pairs =
        Files.write(
            dir.resolve("pairs.jsonl"),
            List.of(
                "{\"question\": \"Sam had a kite.\", \"answer_a\": \" He flew it with his friend.\","
                    + " \"answer_b\": \" It broke.\", \"overall_preference\": -1}",
                "{\"question\": \"It rained.\", \"answer_a\": \" Ann was sad.\","
                    + " \"answer_b\": \" Ann and her friend laughed.\", \"overall_preference\": 1}",
                "{\"question\": \"A cat sat.\", \"answer_a\": \" The cat slept.\","
                    + " \"answer_b\": \" The cat and the dog were happy friends.\","
                    + " \"overall_preference\": 1}",
                "{\"question\": \"Max ran.\", \"answer_a\": \" Max ran to his friend.\","
                    + " \"answer_b\": \" Max fell.\", \"overall_preference\": -1}"));
    prompts = Files.write(dir.resolve("prompts.txt"), List.of("Once upon a time,", "Tim and"));
  }

  @Test
  void sftFromTheShellLearnsTheUsersDemonstrations() throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("sft.yaml"),
            "# a user's run config\n"
                + "model: "
                + STORIES
                + "\ndata: "
                + demos
                + "\nprompt-field: question\nresponse-field: answer\n"
                + "epochs: 1\nbatch-size: 2\nheld-out-fraction: 0.0\n");
    Path out = dir.resolve("run");

    // The config says 1 epoch; the command line says 3 and wins.
    Outcome o = run("sft", "--config", config.toString(), "--epochs=3", "-o", out.toString());

    assertThat(o.status()).as(o.stderr()).isZero();
    String resolved = Files.readString(out.resolve("config.yaml"));
    assertThat(resolved).contains("epochs: 3").contains("prompt-field: question");
    assertThat(resolved).contains("batch-size: 2").contains("lr: 3.0E-4"); // file, default
    List<StepMetrics> steps = MetricsFile.read(out.resolve("metrics.jsonl"));
    assertThat(steps).hasSize(9); // 6 demonstrations / 2 per step × 3 epochs
    // The oracle: the user's responses are likelier under the saved policy than under the base.
    double before = meanLogProb(Path.of(STORIES));
    double after = meanLogProb(out.resolve("policy"));
    System.err.printf(
        "mean log-prob of the demonstrations: base %.4f, policy %.4f%n", before, after);
    assertThat(after).isGreaterThan(before + 0.1);

    // The same command again resumes the finished run: nothing changes.
    byte[] weights = Files.readAllBytes(out.resolve("policy/model.safetensors"));
    assertThat(run("sft", "-c", config.toString(), "--epochs", "3", "-o", out.toString()).status())
        .isZero();
    assertThat(Files.readAllBytes(out.resolve("policy/model.safetensors"))).isEqualTo(weights);
    // Other settings in the same folder are refused, naming the difference.
    Outcome other = run("sft", "-c", config.toString(), "--epochs", "2", "-o", out.toString());
    assertThat(other.status()).isEqualTo(Main.USAGE);
    assertThat(other.stderr()).contains("config.yaml").contains("epochs 3 -> 2");
  }

  @Test
  void rlAndDpoCommandsRunOnPairsInTheUsersLayout() throws Exception {
    List<String> common =
        List.of(
            "--model", STORIES,
            "--demonstrations", demos.toString(),
            "--prompt-field", "question",
            "--response-field", "answer",
            "--preferences", pairs.toString(),
            "--preference-format", "PAIRS",
            "--first-field", "answer_a",
            "--second-field", "answer_b",
            "--label-field", "overall_preference",
            "--sft-epochs", "1",
            "--held-out-fraction", "0");
    Path grpo = dir.resolve("grpo");
    List<String> args = new ArrayList<>(List.of("grpo"));
    args.addAll(common);
    args.addAll(
        List.of(
            "--prompts", prompts.toString(),
            "--iterations", "2",
            "--rollout-batch", "2",
            "--mini-batch", "4",
            "--max-new-tokens", "16",
            "--out", grpo.toString()));
    Outcome g = run(args.toArray(String[]::new));
    assertThat(g.status()).as(g.stderr()).isZero();
    List<StepMetrics> steps = MetricsFile.read(grpo.resolve("metrics.jsonl"));
    assertThat(steps.stream().filter(s -> s.stage().endsWith("grpo"))).hasSize(2);
    assertThat(steps.stream().filter(s -> s.stage().endsWith("reward"))).isNotEmpty();
    assertThat(grpo.resolve("policy/config.json")).exists();
    assertThat(grpo.resolve("round-1/grpo/policy")).isDirectory(); // a checkpoint with
    assertThat(grpo.resolve("round-1/grpo/value")).doesNotExist(); // no value model in GRPO

    // best-of-n with the run's policy and reward model: each kept response is its prompt's
    // best-scored candidate, and the reward model scores it so when asked again independently.
    Path best = dir.resolve("best.jsonl");
    Outcome b =
        run(
            "best-of-n",
            "-m",
            grpo.resolve("policy").toString(),
            "--reward-model",
            grpo.resolve("round-1/reward").toString(),
            "--prompts",
            prompts.toString(),
            "-n",
            "3",
            "--max-new-tokens",
            "12",
            "-o",
            best.toString());
    assertThat(b.status()).as(b.stderr()).isZero();
    List<String> chosen = Files.readAllLines(best);
    assertThat(chosen).hasSize(2);
    try (PretrainedModel policy = PretrainedModel.load(grpo.resolve("policy"), Device.cpu());
        PretrainedModel reward =
            PretrainedModel.load(grpo.resolve("round-1/reward"), Device.cpu())) {
      DjlRewardModel rm = new DjlRewardModel(reward.model(), 4);
      for (String line : chosen) {
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        double score = o.get("score").getAsDouble();
        double max = -Double.MAX_VALUE;
        for (var c : o.getAsJsonArray("candidate_scores")) {
          max = Math.max(max, c.getAsDouble());
        }
        assertThat(o.getAsJsonArray("candidate_scores")).hasSize(3);
        assertThat(score).isEqualTo(max);
        Examples.Example e =
            Examples.encode(
                policy.tokenizer(),
                o.get("prompt").getAsString(),
                o.get("response").getAsString(),
                o.get("truncated").getAsBoolean(),
                1 << 20);
        assertThat(rm.score(List.of(e.prompt()), List.of(e.response()))[0])
            .isCloseTo(score, within(1e-4));
      }
    }

    Path dpo = dir.resolve("dpo");
    args = new ArrayList<>(List.of("dpo"));
    args.addAll(common);
    args.addAll(List.of("--epochs", "1", "--out", dpo.toString()));
    Outcome d = run(args.toArray(String[]::new));
    assertThat(d.status()).as(d.stderr()).isZero();
    assertThat(
            MetricsFile.read(dpo.resolve("metrics.jsonl")).stream()
                .filter(s -> s.stage().endsWith("dpo")))
        .isNotEmpty();
    assertThat(dpo.resolve("policy/model.safetensors")).exists();
  }

  @Test
  void eachStageRunsAloneFromTheShellWithRewardsDeclared() throws Exception {
    List<String> pairFields =
        List.of(
            "--preferences", pairs.toString(),
            "--preference-format", "PAIRS",
            "--prompt-field", "question",
            "--first-field", "answer_a",
            "--second-field", "answer_b",
            "--label-field", "overall_preference");
    List<String> small =
        List.of(
            "--prompts", prompts.toString(),
            "--iterations", "1",
            "--rollout-batch", "2",
            "--mini-batch", "4",
            "--max-new-tokens", "8");
    // 1. A reward model alone on the user's pairs, from the model as it is (no SFT).
    Path rm = dir.resolve("rm");
    List<String> args = new ArrayList<>(List.of("reward", "--model", STORIES));
    args.addAll(pairFields);
    args.addAll(List.of("--epochs", "1", "--held-out-fraction", "0", "--out", rm.toString()));
    Outcome r = run(args.toArray(String[]::new));
    assertThat(r.status()).as(r.stderr()).isZero();
    List<StepMetrics> rmSteps = MetricsFile.read(rm.resolve("metrics.jsonl"));
    assertThat(rmSteps).isNotEmpty().allMatch(s -> s.stage().equals("round-1/reward"));
    try (PretrainedModel loaded =
        PretrainedModel.load(rm.resolve("round-1/reward"), Device.cpu())) {
      assertThat(loaded.model().hasScalarHead()).isTrue();
    }

    // 2. GRPO from the model as it is, against that reward model.
    Path g1 = dir.resolve("grpo-rm");
    args = new ArrayList<>(List.of("grpo", "--model", STORIES));
    args.addAll(small);
    args.addAll(
        List.of("--reward-model", rm.resolve("round-1/reward").toString(), "--out", g1.toString()));
    Outcome o1 = run(args.toArray(String[]::new));
    assertThat(o1.status()).as(o1.stderr()).isZero();
    assertThat(MetricsFile.read(g1.resolve("metrics.jsonl")))
        .extracting(StepMetrics::stage)
        .containsExactly("round-1/grpo");

    // 3. GRPO with its rewards declared in the config file: a format check, and a length limit
    // that is only reported (weight 0).
    Path config =
        Files.writeString(
            dir.resolve("grpo.yaml"),
            "model: " + STORIES + "\nreward:\n  - matches:\\bfriend\\b\n  - 0*max-length:40\n");
    Path g2 = dir.resolve("grpo-rewards");
    args = new ArrayList<>(List.of("grpo", "-c", config.toString()));
    args.addAll(small);
    args.addAll(
        List.of(
            "--eval-prompts",
            prompts.toString(),
            "--eval-every",
            "1",
            "--eval-samples",
            "2",
            "--out",
            g2.toString()));
    Outcome o2 = run(args.toArray(String[]::new));
    assertThat(o2.status()).as(o2.stderr()).isZero();
    StepMetrics last = MetricsFile.read(g2.resolve("metrics.jsonl")).get(0);
    assertThat(last.values())
        .containsKeys("reward_matches", "reward_max-length", "score", "eval_score", "eval_pass@2");
    assertThat(g2.resolve("round-1/grpo-best/config.json")).exists(); // the best policy so far
    // The score is the weighted sum: the length limit adds nothing.
    assertThat(last.get("score")).isEqualTo(last.get("reward_matches"));
    assertThat(SamplesFile.read(g2.resolve("samples.jsonl"))).hasSize(4);
    // The finished run continues with more iterations (any other change is still refused).
    List<String> longer = new ArrayList<>(args);
    longer.set(longer.indexOf("--iterations") + 1, "2");
    Outcome more = run(longer.toArray(String[]::new));
    assertThat(more.status()).as(more.stderr()).isZero();
    assertThat(MetricsFile.read(g2.resolve("metrics.jsonl")))
        .extracting(StepMetrics::step)
        .containsExactly(1L, 2L);
    assertThat(Files.readString(g2.resolve("config.yaml"))).contains("iterations: 2");

    // 4. A bad declaration is one line; so is a reward given two ways.
    args = new ArrayList<>(List.of("grpo", "--model", STORIES, "--reward", "nope"));
    args.addAll(small);
    args.addAll(List.of("--out", dir.resolve("bad").toString()));
    Outcome bad = run(args.toArray(String[]::new));
    assertThat(bad.status()).isNotZero();
    assertThat(bad.stderr()).contains("--reward nope: unknown reward 'nope'");
    args = new ArrayList<>(List.of("grpo", "--model", STORIES, "--reward", "json"));
    args.addAll(pairFields);
    args.addAll(small);
    args.addAll(List.of("--out", dir.resolve("both").toString()));
    Outcome both = run(args.toArray(String[]::new));
    assertThat(both.status()).isEqualTo(Main.USAGE);
    assertThat(both.stderr()).contains("give the reward one way");
    assertThat(dir.resolve("bad")).doesNotExist();
    assertThat(dir.resolve("both")).doesNotExist();
  }

  @Test
  void ktoFromTheShellTrainsOnThumbsAndABadLabelNamesItsLine() throws Exception {
    List<String> thumbs =
        List.of(
            "{\"prompt\": \"Sam had a kite.\", \"completion\": \" He flew it with his friend.\","
                + " \"label\": true}",
            "{\"prompt\": \"Sam had a kite.\", \"completion\": \" It broke.\", \"label\": false}",
            "{\"prompt\": \"It rained.\", \"completion\": \" Ann and her friend laughed.\","
                + " \"label\": true}",
            "{\"prompt\": \"Max ran.\", \"completion\": \" Max fell.\", \"label\": false}");
    Path good = Files.write(dir.resolve("thumbs.jsonl"), thumbs);
    List<String> badLines = new ArrayList<>(thumbs);
    badLines.set(2, "{\"prompt\": \"It rained.\", \"completion\": \" Ann.\", \"label\": \"yes\"}");
    Path bad = Files.write(dir.resolve("bad.jsonl"), badLines);
    List<String> common =
        List.of(
            "kto",
            "--model",
            STORIES,
            "--demonstrations",
            demos.toString(),
            "--prompt-field",
            "question",
            "--response-field",
            "answer",
            "--sft-epochs",
            "1",
            "--held-out-fraction",
            "0",
            "--batch-size",
            "2",
            "--lr",
            "1e-4");
    List<String> args = new ArrayList<>(common);
    args.addAll(List.of("--completions", bad.toString(), "--out", dir.resolve("bad").toString()));
    Outcome refused = run(args.toArray(String[]::new));
    assertThat(refused.status()).isNotZero();
    assertThat(refused.stderr()).contains(bad + ":3").contains("label");
    assertThat(dir.resolve("bad")).doesNotExist();

    Path kto = dir.resolve("kto");
    args = new ArrayList<>(common);
    args.addAll(List.of("--completions", good.toString(), "--out", kto.toString()));
    Outcome k = run(args.toArray(String[]::new));
    assertThat(k.status()).as(k.stderr()).isZero();
    List<StepMetrics> steps = MetricsFile.read(kto.resolve("metrics.jsonl"));
    // 4 completions, 2 per step, 1 epoch.
    assertThat(steps.stream().filter(s -> s.stage().endsWith("kto"))).hasSize(2);
    assertThat(steps.get(steps.size() - 1).values()).containsKeys("kl", "rewards_chosen");
    assertThat(kto.resolve("policy/model.safetensors")).exists();
  }

  /** Qwen2-Instruct's chat template (ChatML), as its tokenizer_config.json holds it. */
  private static final String CHATML =
      "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
          + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
          + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>'"
          + " + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
          + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

  @Test
  void ppoWithItsRolloutsOnSparkWritesTheOneProcessPolicy() throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "ppo",
                "--model",
                STORIES,
                "--demonstrations",
                demos.toString(),
                "--prompt-field",
                "question",
                "--response-field",
                "answer",
                "--preferences",
                pairs.toString(),
                "--preference-format",
                "PAIRS",
                "--first-field",
                "answer_a",
                "--second-field",
                "answer_b",
                "--label-field",
                "overall_preference",
                "--sft-epochs",
                "1",
                "--held-out-fraction",
                "0",
                "--prompts",
                prompts.toString(),
                "--iterations",
                "2",
                "--rollout-batch",
                "2",
                "--rollout-partitions",
                "2",
                "--mini-batch",
                "2",
                "--max-new-tokens",
                "16"));
    Path here = dir.resolve("one-process");
    List<String> local = new ArrayList<>(args);
    local.addAll(List.of("--out", here.toString()));
    Outcome o = run(local.toArray(String[]::new));
    assertThat(o.status()).as(o.stderr()).isZero();

    Path there = dir.resolve("spark");
    List<String> distributed = new ArrayList<>(args);
    distributed.addAll(List.of("--spark", "--out", there.toString()));
    // Without spark-submit there is no master: one line saying what to do, nothing trained.
    Outcome refused = run(distributed.toArray(String[]::new));
    assertThat(refused.status()).isEqualTo(2);
    assertThat(refused.stderr()).contains("--spark: no Spark master");
    // What spark-submit --master local[2] sets, in this JVM.
    Map<String, String> spark =
        Map.of(
            "spark.master", "local[2]",
            "spark.ui.enabled", "false",
            "spark.driver.host", "127.0.0.1",
            "spark.driver.bindAddress", "127.0.0.1");
    spark.forEach(System::setProperty);
    try {
      Outcome d = run(distributed.toArray(String[]::new));
      assertThat(d.status()).as(d.stderr()).isZero();
    } finally {
      spark.keySet().forEach(System::clearProperty);
    }
    List<StepMetrics> steps = MetricsFile.read(there.resolve("metrics.jsonl"));
    assertThat(steps.stream().filter(s -> s.stage().endsWith("ppo")))
        .hasSize(2)
        .allSatisfy(s -> assertThat(s.values()).containsKeys("broadcast_mb", "collect_seconds"));
    assertThat(Files.readAllBytes(there.resolve("policy/model.safetensors")))
        .isEqualTo(Files.readAllBytes(here.resolve("policy/model.safetensors")));
    assertThat(Files.readAllBytes(there.resolve("round-1/ppo/value/model.safetensors")))
        .isEqualTo(Files.readAllBytes(here.resolve("round-1/ppo/value/model.safetensors")));
  }

  @Test
  void sftOnConversationsUsesTheModelsChatTemplateAndKeepsIt() throws Exception {
    // An instruct-style model folder: stories260K as Hugging Face files with a chat template.
    Path model = dir.resolve("chat-model");
    assertThat(run("convert", "--from", STORIES, "--to", model.toString()).status()).isZero();
    Path config = model.resolve("tokenizer_config.json");
    JsonObject tokenizerConfig = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
    tokenizerConfig.addProperty("chat_template", CHATML);
    Files.writeString(config, tokenizerConfig.toString());
    List<String> lines = new ArrayList<>();
    for (int i = 0; i + 1 < DEMOS.length; i += 2) {
      lines.add(
          "{\"messages\": [{\"role\": \"user\", \"content\": \""
              + DEMOS[i][0]
              + "\"}, {\"role\": \"assistant\", \"content\": \""
              + DEMOS[i][1].strip()
              + "\"}, {\"role\": \"user\", \"content\": \""
              + DEMOS[i + 1][0]
              + "\"}, {\"role\": \"assistant\", \"content\": \""
              + DEMOS[i + 1][1].strip()
              + "\"}]}");
    }
    Path chats = Files.write(dir.resolve("chats.jsonl"), lines);
    Path out = dir.resolve("chat-run");

    Outcome o =
        run(
            "sft",
            "--chat",
            "-m",
            model.toString(),
            "-d",
            chats.toString(),
            "-o",
            out.toString(),
            "--epochs",
            "1",
            "--batch-size",
            "2",
            "--held-out-fraction",
            "0");

    assertThat(o.status()).as(o.stderr()).isZero();
    // 3 conversations of 2 assistant turns: 6 demonstrations, 3 steps of 2.
    assertThat(MetricsFile.read(out.resolve("metrics.jsonl"))).hasSize(3);
    JsonObject saved =
        JsonParser.parseString(Files.readString(out.resolve("policy/tokenizer_config.json")))
            .getAsJsonObject();
    assertThat(saved.get("chat_template").getAsString()).isEqualTo(CHATML);
    assertThat(out.resolve("policy/special_tokens_map.json")).exists();

    // A template of the user's own (--chat-template) is the one the trained model keeps.
    Path own = Files.writeString(dir.resolve("own.jinja"), CHATML.replace("<|im_end|>", "<|end|>"));
    Path ownRun = dir.resolve("own-template-run");
    Outcome withOwn =
        run(
            "sft",
            "--chat-template",
            own.toString(),
            "-m",
            model.toString(),
            "-d",
            chats.toString(),
            "-o",
            ownRun.toString(),
            "--epochs",
            "1",
            "--held-out-fraction",
            "0");
    assertThat(withOwn.status()).as(withOwn.stderr()).isZero();
    JsonObject ownSaved =
        JsonParser.parseString(Files.readString(ownRun.resolve("policy/tokenizer_config.json")))
            .getAsJsonObject();
    assertThat(ownSaved.get("chat_template").getAsString()).isEqualTo(Files.readString(own));
    assertThat(ownSaved.get("chat_template").getAsString()).isNotEqualTo(CHATML);

    // A conversation the template refuses is one line naming the file, line and field.
    Path strict =
        Files.writeString(
            dir.resolve("strict.jinja"),
            "{% for m in messages %}{% if m['role'] == 'system' %}"
                + "{{ raise_exception('system turns are not supported') }}{% endif %}"
                + "{{ m['content'] }}{% endfor %}");
    Path withSystem =
        Files.writeString(
            dir.resolve("system.jsonl"),
            lines.get(0)
                + "\n{\"messages\": [{\"role\": \"system\", \"content\": \"x\"},"
                + " {\"role\": \"assistant\", \"content\": \"y\"}]}\n");
    Outcome refused =
        run(
            "sft",
            "--chat-template",
            strict.toString(),
            "-m",
            model.toString(),
            "-d",
            withSystem.toString(),
            "-o",
            dir.resolve("refused").toString());
    assertThat(refused.status()).isEqualTo(Main.BAD_INPUT);
    assertThat(refused.stderr())
        .contains(
            "system.jsonl:2: field 'messages': chat template: system turns are not supported");
  }

  @Test
  void aFailedFirstAttemptWritesNothingSoTheCorrectedRerunJustRuns() throws Exception {
    Path out = dir.resolve("first");
    String[] fields = {"--prompt-field", "question", "--response-field", "answer"};
    Outcome missing =
        run("sft", "-m", STORIES, "-d", dir.resolve("nope.jsonl").toString(), "-o", out.toString());
    assertThat(missing.status()).isEqualTo(Main.BAD_INPUT);
    assertThat(out).doesNotExist();
    Outcome wrongField = run("sft", "-m", STORIES, "-d", demos.toString(), "-o", out.toString());
    assertThat(wrongField.stderr()).contains("demos.jsonl:1: field '");
    assertThat(out).doesNotExist();
    Outcome wrongModel =
        run(
            concat(
                new String[] {
                  "sft", "-m", dir.resolve("nomodel").toString(), "-d", demos.toString()
                },
                fields,
                new String[] {"-o", out.toString()}));
    assertThat(wrongModel.stderr()).contains("not a folder");
    assertThat(out).doesNotExist();
    Outcome badPrompts =
        run(
            "grpo",
            "-m",
            STORIES,
            "-d",
            demos.toString(),
            "-p",
            pairs.toString(),
            "--preference-format",
            "PAIRS",
            "--prompts",
            dir.resolve("none.txt").toString(),
            "-o",
            out.toString());
    assertThat(badPrompts.status()).isNotZero();
    assertThat(out).doesNotExist();
    Outcome fixed =
        run(
            concat(
                new String[] {"sft", "-m", STORIES, "-d", demos.toString(), "--epochs", "1"},
                fields,
                new String[] {"-o", out.toString()}));
    assertThat(fixed.status()).as(fixed.stderr()).isZero();
    assertThat(out.resolve("policy/model.safetensors")).isRegularFile();
  }

  @Test
  void aBadValueInTheConfigFileNamesFileLineAndKeyAndAnOldKeyStillReads() throws Exception {
    Path config =
        Files.writeString(
            dir.resolve("v.yaml"), "model: " + STORIES + "\nout: o\ndata: d.jsonl\nepochs: two\n");
    Outcome o = run("sft", "--config", config.toString());
    assertThat(o.status()).isEqualTo(Main.USAGE);
    assertThat(o.stderr())
        .startsWith("error: " + config + ":4: field 'epochs': ")
        .contains("'two'");
  }

  private static String[] concat(String[]... parts) {
    return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
  }

  @Test
  void aBadConfigFileIsOneLineNamingFileLineAndKey() throws Exception {
    Path config = Files.writeString(dir.resolve("bad.yaml"), "model: m\nout: o\nepochz: 2\n");

    Outcome o = run("sft", "--config", config.toString());

    assertThat(o.status()).isEqualTo(Main.BAD_INPUT);
    assertThat(o.stderr()).contains("bad.yaml:3: field 'epochz': is not an option of this command");
    Outcome broken =
        run("sft", "--config", Files.writeString(dir.resolve("b.yaml"), "a: [\n").toString());
    assertThat(broken.status()).isEqualTo(Main.BAD_INPUT);
    assertThat(broken.stderr()).contains("b.yaml:2").contains("not valid YAML or JSON");
    assertThat(run("sft", "--data", demos.toString()).stderr()).contains("missing --model");
  }

  @Test
  void dpoOnRankedEpisodesFromTheShell() throws Exception {
    // The ranking page's episode layout: K episodes of turns, the tool's result not the policy's.
    List<String> lines = new ArrayList<>();
    for (String name : List.of("Lily", "Tom", "Ben", "Mia", "Sam", "Anna", "Max", "Lucy")) {
      lines.add(
          "{\"prompt\": \""
              + name
              + " had a secret pet.\", \"turns\": [[{\"text\": \"<call>secret</call>\","
              + " \"policy\": true}, {\"text\": \" <result>cat</result> \", \"policy\": false},"
              + " {\"text\": \" The pet was a cat.\", \"policy\": true}], [{\"text\":"
              + " \" The pet was a frog.\", \"policy\": true}]], \"ranks\": [1, 2]}");
    }
    Path episodes = Files.write(dir.resolve("episodes.jsonl"), lines);
    Path out = dir.resolve("dpo-episodes");
    Outcome o =
        run(
            "dpo",
            "--model",
            STORIES,
            "--episodes",
            episodes.toString(),
            "--epochs",
            "3",
            "--lr",
            "1e-3",
            "--held-out-fraction",
            "0",
            "--out",
            out.toString());
    assertThat(o.status()).as(o.stderr()).isZero();
    List<StepMetrics> steps =
        MetricsFile.read(out.resolve("metrics.jsonl")).stream()
            .filter(m -> m.stage().endsWith("dpo"))
            .toList();
    assertThat(steps).isNotEmpty();
    // The implicit reward moves toward the episode that used the tool's answer.
    assertThat(steps.get(steps.size() - 1).get("rewards_margin"))
        .isGreaterThan(steps.get(0).get("rewards_margin"));
    assertThat(out.resolve("policy/model.safetensors")).exists();
    Outcome both =
        run(
            "dpo",
            "--model",
            STORIES,
            "--episodes",
            episodes.toString(),
            "--preferences",
            pairs.toString(),
            "--out",
            dir.resolve("both").toString());
    assertThat(both.status()).isNotZero();
    assertThat(both.stderr()).contains("give --preferences or --episodes, not both");
  }

  @Test
  void versionAndHelpPerCommand() throws Exception {
    Outcome version = run("--version");
    Outcome help = run("dpo", "--help");
    assertThat(version.status()).isZero();
    assertThat(help.status()).isZero();
    String text = version.stderr() + help.stderr();
    assertThat(text).containsPattern("rlhf4j \\d+\\.\\d+\\.\\d+").contains("DJL 0.");
    assertThat(text).contains("--beta").contains("--preference-format").contains("--config");
  }

  private double meanLogProb(Path modelFolder) {
    try (PretrainedModel m = PretrainedModel.load(modelFolder, Device.cpu())) {
      DjlPolicy policy = new DjlPolicy(m.model(), m.tokenizer());
      List<int[]> ps = new ArrayList<>();
      List<int[]> rs = new ArrayList<>();
      for (String[] d : DEMOS) {
        ps.add(m.tokenizer().encode(d[0], true));
        rs.add(m.tokenizer().encode(d[1], false));
      }
      double sum = 0;
      int n = 0;
      for (float[] row : policy.logProbs(ps, rs, 1.0)) {
        for (float v : row) {
          sum += v;
          n++;
        }
      }
      return sum / n;
    }
  }

  private static Outcome run(String... args) {
    return Cli.run(args);
  }
}
