package io.rlhf4j.examples.jar;

import static org.assertj.core.api.Assertions.assertThat;

import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command of the shipped {@code rlhf4j.jar}, run as a user runs it ({@code java -jar}, its
 * own JVM, none of Maven's class path): a library the shade plugin leaves out shows here and
 * nowhere else. Also: files written twice in two JVMs are byte-identical, a stage killed with
 * SIGKILL resumes from its last in-stage checkpoint to the same bytes, and the ranking server
 * undoes a write that fails part way (a file-size limit, as a full disk) so nothing acknowledged is
 * ever unreadable.
 */
class ShadedJarIT {
  private static final Path JAR = Path.of(System.getProperty("rlhf4j.jar", "target/rlhf4j.jar"));
  private static final Path SHARED = Path.of(System.getProperty("rlhf4j.shared", "../../shared"));
  private static final String STORIES = SHARED.resolve("models/stories260K").toString();

  @TempDir static Path dir;
  private static Path demos;
  private static Path pairs;
  private static Path prompts;

  /** What a command did: its exit status and everything it printed. */
  record Run(int status, String output) {}

  @BeforeAll
  static void userFiles() throws IOException {
    assertThat(JAR).isRegularFile();
    List<String> lines = new ArrayList<>();
    String[][] d = {
      {"Lily had a ball.", " She played with her friend all day."},
      {"Tom saw a dog.", " The dog was his friend and they ran."},
      {"Ben found a box.", " In the box was a toy. Ben shared it."},
      {"Mia baked a cake.", " She gave a piece to her friend."},
      {"Sam had a kite.", " He flew it high with his friend."},
      {"Ann saw a bird.", " The bird sang and Ann was happy."}
    };
    for (String[] x : d) {
      lines.add(JsonWriter.write(Map.of("prompt", x[0], "response", x[1])));
    }
    demos = gzip(Files.write(dir.resolve("demos.jsonl"), lines));
    List<String> p = new ArrayList<>();
    for (String[] x : d) {
      p.add(
          JsonWriter.write(
              new TreeMap<>(
                  Map.of(
                      "prompt", x[0],
                      "responses", List.of(x[1], " It was bad.", " The end."),
                      "ranks", List.of(1, 3, 2)))));
    }
    pairs = gzip(Files.write(dir.resolve("rankings.jsonl"), p));
    prompts = Files.write(dir.resolve("prompts.jsonl"), List.of(lines.get(0), lines.get(1)));
  }

  private static Path gzip(Path file) throws IOException {
    Path gz = file.resolveSibling(file.getFileName() + ".gz");
    try (GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(Files.readAllBytes(file));
    }
    return gz;
  }

  private static ProcessBuilder java(List<String> jvm, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dai.djl.pytorch.num_threads=1");
    command.addAll(jvm);
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(Arrays.asList(args));
    ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
    b.environment().put("OMP_NUM_THREADS", "1");
    return b;
  }

  static Run run(String... args) throws Exception {
    return runIn(null, args);
  }

  // In `cwd` (null: this JVM's), so two runs can name their run folder alike.
  static Run runIn(Path cwd, String... args) throws Exception {
    ProcessBuilder b = java(List.of(), args);
    if (cwd != null) {
      b.directory(cwd.toFile());
    }
    Process p = b.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    return new Run(p.exitValue(), output);
  }

  static Run ok(String... args) throws Exception {
    return okIn(null, args);
  }

  static Run okIn(Path cwd, String... args) throws Exception {
    Run r = runIn(cwd, args);
    assertThat(r.status()).as(String.join(" ", args) + "\n" + r.output()).isZero();
    assertThat(r.output()).doesNotContain("Exception").doesNotContain("\tat ");
    return r;
  }

  // A training command on the user's gzipped demonstrations and rankings.
  private static List<String> onUserFiles(String command) {
    return List.of(command, "-m", STORIES, "-d", demos.toString(), "-p", pairs.toString());
  }

  private static String[] rlArgs(String command, Path out, String... more) {
    List<String> a = new ArrayList<>(onUserFiles(command));
    a.addAll(
        List.of(
            "--prompts",
            prompts.toString(),
            "--sft-epochs",
            "1",
            "--reward-epochs",
            "1",
            "--iterations",
            "1",
            "--rollout-batch",
            "2",
            "--mini-batch",
            "2",
            "--samples-per-prompt",
            "2",
            "--max-new-tokens",
            "8",
            "--held-out-fraction",
            "0",
            "-o",
            out.toString()));
    a.addAll(Arrays.asList(more));
    return a.toArray(String[]::new);
  }

  @Test
  void readsGzipAndRunsEveryTrainingCommand() throws Exception {
    assertThat(ok("--version").output()).contains("rlhf4j");
    assertThat(ok("--help").output()).contains("best-of-n");
    Path hh = SHARED.resolve("data/hh-rlhf/helpful-base-test.jsonl.gz");
    assertThat(ok("inspect", "-f", "hh-rlhf", "--skip-invalid", hh.toString()).output())
        .contains("accepted");
    assertThat(ok("inspect", "-f", "demonstrations", demos.toString()).output())
        .contains("6 records: 6 accepted");
    assertThat(
            ok(
                    "hh-reward",
                    "--model",
                    STORIES,
                    "--data",
                    SHARED.resolve("data/hh-rlhf").toString(),
                    "--train-pairs",
                    "8",
                    "--eval-pairs",
                    "8",
                    "--max-length",
                    "32")
                .output())
        .contains("longer");
    ok("sft", "-m", STORIES, "-d", demos.toString(), "-o", dir.resolve("sft").toString());
    for (String c : List.of("ppo", "grpo", "rloo", "reinforce++")) {
      ok(rlArgs(c, dir.resolve(c)));
      assertThat(dir.resolve(c).resolve("policy/model.safetensors")).isRegularFile();
    }
    ok(join(dpoArgs("1"), new String[] {"-o", dir.resolve("dpo").toString()}));
    Path best = dir.resolve("best.jsonl");
    ok(
        "best-of-n",
        "-m",
        dir.resolve("grpo/policy").toString(),
        "--reward-model",
        dir.resolve("grpo/round-1/reward").toString(),
        "--prompts",
        prompts.toString(),
        "-n",
        "2",
        "--max-new-tokens",
        "8",
        "-o",
        best.toString());
    // A JSONL prompts file gives its prompt field, not whole JSON lines.
    assertThat(Files.readAllLines(best))
        .hasSize(2)
        .allMatch(l -> l.startsWith("{\"prompt\":\"Lily had a ball.\"") || l.contains("Tom saw"));
    ok("report", dir.resolve("grpo").toString());
    assertThat(dir.resolve("grpo/report.html")).isRegularFile();
    // What GRPO wrote, iteration by iteration, and the last iteration's samples on the page.
    assertThat(dir.resolve("grpo/samples.jsonl")).isNotEmptyFile();
    assertThat(Files.readString(dir.resolve("grpo/report.html"))).contains("Samples at step");
    Path hf = dir.resolve("hf");
    ok("convert", "--from", STORIES, "--to", hf.toString());
    assertThat(ok("generate", "--model", hf.toString(), "--max-new-tokens", "8").output())
        .isNotBlank();
    ok(
        "demo",
        "--model",
        STORIES,
        "--output",
        dir.resolve("demo").toString(),
        "--rounds",
        "1",
        "--ppo-iterations",
        "1",
        "--low-kl-iterations",
        "0",
        "--label-prompts",
        "8",
        "--batch",
        "8",
        "--eval-prompts",
        "4",
        "--eval-samples",
        "1",
        "--candidates",
        "2",
        "--sft-epochs",
        "1",
        "--reward-epochs",
        "1");
    assertThat(dir.resolve("demo/report.html")).isRegularFile();
    ok(
        "compare",
        "--model",
        STORIES,
        "--output",
        dir.resolve("compare").toString(),
        "--algorithms",
        "grpo,dpo",
        "--seeds",
        "1",
        "--iterations",
        "1",
        "--batch",
        "8");
  }

  @Test
  void servesAModelOverOpenAisProtocol() throws Exception {
    Process server = java(List.of(), "serve", "--model", STORIES, "--port", "0").start();
    try {
      java.io.BufferedReader lines =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String url = null;
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.startsWith("http://")) {
          url = line.strip();
          break;
        }
      }
      assertThat(url).as("the address on stdout").isNotNull();
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(URI.create(url + "/completions"))
                      .POST(
                          java.net.http.HttpRequest.BodyPublishers.ofString(
                              "{\"prompt\": \"Once upon a time\", \"max_tokens\": 8,"
                                  + " \"temperature\": 0}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"object\":\"text_completion\"").contains("\"text\":");
    } finally {
      server.destroy();
      server.waitFor(1, TimeUnit.MINUTES);
    }
  }

  @Test
  void everyFileIsByteIdenticalAcrossTwoJvms() throws Exception {
    // The same command in two folders: the run folder is named alike ("run"), as config.yaml
    // records it.
    for (String jvm : List.of("jvm-a", "jvm-b")) {
      Path cwd = Files.createDirectories(dir.resolve(jvm));
      okIn(cwd, rlArgs("grpo", Path.of("run")));
      okIn(cwd, "convert", "--from", STORIES, "--to", "run/converted");
    }
    assertThat(files(dir.resolve("jvm-a/run"))).hasSizeGreaterThan(20); // every stage's files
    assertSameFiles(dir.resolve("jvm-a/run"), dir.resolve("jvm-b/run"));
  }

  @Test
  void sftRewardAndDpoStagesKilledMidwayResumeFromTheirCheckpointsToTheSameBytes()
      throws Exception {
    String[] every = {"--checkpoint-every", "5", "--held-out-fraction", "0", "-o", "run"};
    killAndResume(
        "sft",
        "sft",
        join(
            new String[] {
              "sft", "-m", STORIES, "-d", demos.toString(), "--epochs", "200", "--batch-size", "2"
            },
            every));
    String[] grpo = rlArgs("grpo", Path.of("run"), "--checkpoint-every", "5");
    grpo[Arrays.asList(grpo).indexOf("--reward-epochs") + 1] = "200";
    killAndResume("reward", "round-1/reward", grpo);
    killAndResume("dpo", "round-1/dpo", join(dpoArgs("200"), every));
  }

  // dpo on the user's gzipped files, one SFT epoch; the caller adds the output folder.
  private static String[] dpoArgs(String epochs) {
    List<String> a = new ArrayList<>(onUserFiles("dpo"));
    a.addAll(List.of("--sft-epochs", "1", "--epochs", epochs));
    return a.toArray(String[]::new);
  }

  private static String[] join(String[]... parts) {
    return Arrays.stream(parts).flatMap(Arrays::stream).toArray(String[]::new);
  }

  /**
   * Runs {@code args} whole in one folder, and in another kills it with SIGKILL once {@code stage}
   * has checkpointed at step 10 or later, reruns it, and compares: the rerun resumes the stage from
   * its checkpoint (not from step 0) and ends with the same policy, byte for byte.
   */
  private static void killAndResume(String stage, String checkpoint, String... args)
      throws Exception {
    Path whole = Files.createDirectories(dir.resolve("kill-" + stage + "/whole"));
    Path killed = Files.createDirectories(dir.resolve("kill-" + stage + "/killed"));
    okIn(whole, args);
    Process p =
        java(List.of(), args)
            .directory(killed.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    Path state = killed.resolve("run").resolve(checkpoint);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (p.isAlive() && !checkpointedAtLeast(state, 10) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(p.isAlive()).as(stage + " still training when killed").isTrue();
    p.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
    Run rerun = okIn(killed, args);
    Matcher m =
        Pattern.compile("resuming " + stage + " from .* at step (\\d+)").matcher(rerun.output());
    assertThat(m.find()).as(rerun.output()).isTrue();
    assertThat(Integer.parseInt(m.group(1))).isGreaterThanOrEqualTo(10);
    assertSameFiles(whole.resolve("run/policy"), killed.resolve("run/policy"));
  }

  @Test
  void theSameRunWithRolloutsOnSparkInAnotherJvmWritesTheSameFiles() throws Exception {
    // spark-submit's situation: Spark's jars on the class path beside rlhf4j.jar (first, as
    // spark-submit's --jars puts the application), a local master, Spark's JVM options.
    List<String> sparkJars = new ArrayList<>();
    for (String entry :
        System.getProperty("rlhf4j.test.classpath").split(java.io.File.pathSeparator)) {
      if (entry.endsWith(".jar") && !entry.contains("/io/rlhf4j/")) {
        sparkJars.add(entry);
      }
    }
    Path plain = Files.createDirectories(dir.resolve("spark-off"));
    Path spark = Files.createDirectories(dir.resolve("spark-on"));
    String[] args = rlArgs("ppo", Path.of("run"), "--rollout-partitions", "2");
    okIn(plain, args);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dai.djl.pytorch.num_threads=1");
    command.add("-Dspark.master=local[2]");
    command.add("-Dspark.ui.enabled=false");
    command.addAll(Arrays.asList(System.getProperty("spark.java.options").trim().split("\\s+")));
    command.add("-cp");
    command.add(
        JAR + java.io.File.pathSeparator + String.join(java.io.File.pathSeparator, sparkJars));
    command.add("io.rlhf4j.examples.Main");
    command.addAll(Arrays.asList(args));
    command.add("--spark");
    ProcessBuilder b =
        new ProcessBuilder(command).directory(spark.toFile()).redirectErrorStream(true);
    b.environment().put("OMP_NUM_THREADS", "1");
    b.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process p = b.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertSameFiles(plain.resolve("run"), spark.resolve("run"));
  }

  // Whether the checkpoint in `stage` is at `steps` or later (its trainer state says which).
  private static boolean checkpointedAtLeast(Path stage, int steps) {
    try (Stream<Path> files = Files.walk(stage)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".json")).toList()) {
        Matcher m =
            Pattern.compile("\"(?:optimizer_step|step)\"\\s*:\\s*(\\d+)")
                .matcher(Files.readString(f));
        if (m.find() && Integer.parseInt(m.group(1)) >= steps) {
          return true;
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      return false; // not there yet, or being swapped in
    }
    return false;
  }

  @Test
  void aWriteThatFailsPartWayIsUndoneAndNothingAcknowledgedIsLost() throws Exception {
    Path samples = dir.resolve("samples.jsonl");
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      items.add(
          JsonWriter.write(
              Map.of(
                  "prompt",
                  "prompt " + i + " " + "x".repeat(100),
                  "responses",
                  List.of("a", "b"))));
    }
    Files.write(samples, items);
    Path out = dir.resolve("round/rankings.jsonl");
    Files.createDirectories(out.getParent());
    // The server's files may grow to 2 KiB (bash counts ulimit -f in KiB), as on a full disk: a
    // write beyond fails part way with EFBIG, which the JVM reports as an IOException.
    ProcessBuilder label =
        java(
            List.of(),
            "label",
            "--samples",
            samples.toString(),
            "-o",
            out.toString(),
            "--port",
            "0",
            "--token",
            "disk-full-test-token-0123",
            "--overlap",
            "0");
    String command = "ulimit -f 2; exec " + String.join(" ", label.command());
    Process server = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
    URI link = link(server);
    HttpClient http = HttpClient.newHttpClient();
    int acknowledged = 0;
    HttpResponse<String> refused = null;
    for (int i = 0; i < 40 && refused == null; i++) {
      call(http, link, "GET", "/api/state?labeler=ann", null);
      HttpResponse<String> r =
          call(
              http,
              link,
              "POST",
              "/api/submit",
              "{\"labeler\":\"ann\",\"item\":"
                  + i
                  + ",\"ranks\":[1,2],\"flags\":[\"\",\"\"],\"ordered\":true}");
      if (r.statusCode() == 200) {
        acknowledged++;
      } else {
        refused = r;
      }
    }
    assertThat(refused).as("the file-size limit was reached").isNotNull();
    assertThat(refused.statusCode()).isEqualTo(500);
    assertThat(refused.body()).doesNotContain("\n").contains("error");
    // The failed write was cut back: the file ends with a whole line.
    byte[] bytes = Files.readAllBytes(out);
    assertThat(bytes[bytes.length - 1]).isEqualTo((byte) '\n');
    server.destroyForcibly().waitFor();
    // A new server without the limit opens the round with every acknowledged label, and goes on.
    Process again = label.start();
    try {
      URI link2 = link(again);
      Map<String, Object> state =
          Json.parseObject(call(http, link2, "GET", "/api/state?labeler=ann", null).body());
      assertThat(((Map<?, ?>) state.get("progress")).get("done")).isEqualTo((long) acknowledged);
      assertThat(Files.readAllLines(out)).hasSize(acknowledged);
    } finally {
      again.destroyForcibly().waitFor();
    }
  }

  private static URI link(Process server) throws IOException {
    var in =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      int at = line.indexOf("http://");
      if (line.startsWith("open in a browser") && at >= 0) {
        String url = line.substring(at).split("&")[0];
        // Keep draining its output so the server never blocks on a full pipe.
        Thread drain = new Thread(() -> in.lines().forEach(l -> {}));
        drain.setDaemon(true);
        drain.start();
        return URI.create(url);
      }
    }
    throw new AssertionError("the label server printed no link");
  }

  private static HttpResponse<String> call(
      HttpClient http, URI link, String method, String path, String body) throws Exception {
    String token = link.getQuery().substring("t=".length());
    HttpRequest.Builder b =
        HttpRequest.newBuilder(link.resolve(path))
            .header("X-Token", token)
            .timeout(Duration.ofSeconds(30));
    if (body != null) {
      b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Every file under {@code a} has a twin under {@code b} with the same bytes; the metrics files
   * also hold each step's wall-clock seconds (and, on Spark, the megabytes broadcast), so there the
   * lines are compared without those.
   */
  static void assertSameFiles(Path a, Path b) throws IOException {
    List<Path> left = files(a);
    assertThat(files(b).stream().map(p -> b.relativize(p)).toList())
        .isEqualTo(left.stream().map(p -> a.relativize(p)).toList());
    assertThat(left).hasSizeGreaterThan(3);
    for (Path f : left) {
      Path twin = b.resolve(a.relativize(f));
      String name = f.getFileName().toString();
      if (name.equals("metrics.jsonl") || name.equals("history.jsonl")) {
        assertThat(withoutSeconds(twin)).as(f.toString()).isEqualTo(withoutSeconds(f));
      } else {
        assertThat(twin).as(f.toString()).hasSameBinaryContentAs(f);
      }
    }
  }

  private static List<Path> files(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static List<String> withoutSeconds(Path metrics) throws IOException {
    return Files.readAllLines(metrics).stream()
        .map(l -> l.replaceAll("\"([a-z_]*_seconds|broadcast_mb)\":[-0-9.Ee]+,?", ""))
        .toList();
  }
}
