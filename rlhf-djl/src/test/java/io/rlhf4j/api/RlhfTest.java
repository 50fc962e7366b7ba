package io.rlhf4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.rlhf4j.data.BradleyTerryLabeler;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.HeldOutSplit;
import io.rlhf4j.data.Labeler;
import io.rlhf4j.data.PreferenceDataset;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.djl.CheerfulRater;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.LoraConfig;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.reward.RewardConfig;
import io.rlhf4j.djl.train.sft.SftConfig;
import io.rlhf4j.label.BrowserLabeler;
import io.rlhf4j.label.Person;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.MetricsListener;
import io.rlhf4j.train.StepMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fluent pipeline end to end on stories260K: two rounds, crashes, resumes, reruns. */
class RlhfTest {
  @TempDir Path dir;

  private static List<Demonstration> demonstrations() {
    List<Demonstration> demos = new ArrayList<>();
    for (String start : CheerfulRater.STARTS) {
      demos.add(new Demonstration(start, " was happy. They played with a friend and had fun."));
      demos.add(new Demonstration(start, " smiled at the sun. It was a fun day to play."));
    }
    return demos;
  }

  private static List<String> prompts() {
    List<String> prompts = new ArrayList<>();
    for (String name : List.of("Lily", "Tom", "Sue", "Ben", "Mia", "Max", "Anna", "Sam")) {
      for (String start : CheerfulRater.STARTS) {
        prompts.add(start + ", " + name);
      }
    }
    return prompts;
  }

  /** Records the steps of one run only (the pipeline's history spans resumed runs). */
  private static final class Steps implements MetricsListener {
    final List<StepMetrics> seen = new ArrayList<>();

    @Override
    public void onStep(StepMetrics m) {
      seen.add(m);
    }
  }

  /** Throws at the n-th step of stages ending in {@code suffix}, like a process killed there. */
  private static MetricsListener crashAt(String suffix, int n) {
    return new MetricsListener() {
      private int count;

      @Override
      public void onStep(StepMetrics m) {
        if (m.stage().endsWith(suffix) && ++count == n) {
          throw new IllegalStateException("simulated crash");
        }
      }
    };
  }

  /** Round 1 ranks SFT samples too (InstructGPT's form), so both rounds collect labels. */
  private static Rlhf.Pipeline labelling(Labeler labeler, long seed, List<MetricsListener> l) {
    return ppoRounds(sft().thenRewardModel(labeler, 4, rewardConfig()), seed, l).rounds(2);
  }

  /** Round 1's reward model on two given comparisons; round 2 ranks samples of its policy. */
  private static Rlhf.Pipeline pipeline(Labeler labeler, long seed, List<MetricsListener> l) {
    PreferenceDataset comparisons =
        PreferenceDataset.of(
            List.of(
                Labeler.byScore(CheerfulRater::score)
                    .rank("Lily", List.of(" was happy and had fun with a friend.", " was sad.")),
                Labeler.byScore(CheerfulRater::score)
                    .rank("Tom had a", List.of(" big dog.", " fun day and smiled."))));
    return ppoRounds(sft().thenRewardModel(comparisons, rewardConfig()), seed, l)
        .rounds(2, labeler, 4);
  }

  private static Rlhf.Pipeline sft() {
    return Rlhf.sft(
        TestModels.stories(),
        demonstrations(),
        SftConfig.builder()
            .epochs(1)
            .batchSize(4)
            .maxLength(48)
            .optimizer(AdamWConfig.of(1e-3))
            .build());
  }

  private static RewardConfig rewardConfig() {
    return RewardConfig.builder()
        .promptsPerBatch(4)
        .maxLength(48)
        .optimizer(AdamWConfig.of(1e-3))
        .build();
  }

  private static Rlhf.Pipeline ppoRounds(
      Rlhf.Pipeline rewarded, long seed, List<MetricsListener> l) {
    return rewarded
        .thenPpo(
            prompts(),
            PpoConfig.builder()
                .rolloutBatchSize(8)
                .miniBatchSize(4)
                .ppoEpochs(2)
                .sampling(SamplingConfig.builder().temperature(0.7).maxNewTokens(16).build())
                .policyOptimizer(AdamWConfig.of(1e-4))
                .valueOptimizer(AdamWConfig.of(1e-4))
                .build(),
            3)
        .labelPrompts(20)
        .seed(seed)
        .device(Device.cpu())
        .listeners(l);
  }

  private static Labeler rater() {
    return new BradleyTerryLabeler(CheerfulRater::score, 0.5, 3);
  }

  private static float[] policyWeights(Path out) {
    try (PretrainedModel p = PretrainedModel.load(out.resolve("policy"), Device.cpu())) {
      return p.model().toTensors().get("layers.0.mlp.up.weight").data();
    }
  }

  @Test
  void aPersonInTheBrowserRanksRound2AndItsRewardModelTrainsOnThoseRankings() throws Exception {
    Labeler person = Labeler.byScore(CheerfulRater::score);
    List<Person> people = new ArrayList<>();
    BrowserLabeler browser =
        BrowserLabeler.builder(dir.resolve("labels"))
            .port(0)
            .overlap(0)
            .deadline(Duration.ofMinutes(2))
            .announce(
                link -> {
                  Person p = new Person(link, "ann", person, 1000);
                  people.add(p);
                  p.start();
                })
            .build();
    Steps steps = new Steps();

    try (Rlhf.Result result = pipeline(browser, 0, List.of(steps)).run(dir)) {
      assertThat(result.policyFolder().resolve("config.json")).exists();
    }

    assertThat(people).hasSize(1); // round 1 used the given comparisons; round 2 asked people
    assertThat(people.get(0).failure()).isNull();
    List<Ranking> round2 =
        Jsonl.rankings(dir.resolve("round-2/rankings.jsonl"), ReadOptions.strict()).readAll();
    assertThat(round2).hasSize(20);
    for (Ranking r : round2) {
      // Exactly what the person decided, with the pipeline's cut-off flags attached.
      assertThat(r.ranks()).isEqualTo(person.rank(r.prompt(), r.responses()).ranks());
    }
    assertThat(steps.seen.stream().map(StepMetrics::stage).distinct())
        .contains("round-2/reward", "round-2/ppo");
  }

  @Test
  void grpoRunsAsAStageWithoutAValueModel() throws Exception {
    Steps steps = new Steps();
    Rlhf.Pipeline grpo =
        pipeline(rater(), 0, List.of(steps))
            .thenRl(
                prompts(),
                PpoConfig.grpo()
                    .rolloutBatchSize(4)
                    .miniBatchSize(8)
                    .sampling(SamplingConfig.builder().temperature(0.7).maxNewTokens(16).build())
                    .policyOptimizer(AdamWConfig.of(1e-4))
                    .build(),
                2);
    try (Rlhf.Result result = grpo.run(dir)) {
      assertThat(result.policyFolder().resolve("config.json")).exists();
    }
    assertThat(steps.seen.stream().map(StepMetrics::stage).distinct())
        .contains("round-1/grpo", "round-2/grpo");
    assertThat(dir.resolve("round-1/grpo/policy")).isDirectory();
    assertThat(dir.resolve("round-1/grpo/value")).doesNotExist();
    assertThat(steps.seen.stream().filter(m -> m.stage().endsWith("grpo")))
        .allSatisfy(m -> assertThat(m.values()).doesNotContainKey("value_loss"));
  }

  @Test
  void dpoReplacesTheRewardModelAndRlAndIteratesOverRounds() throws Exception {
    Steps steps = new Steps();
    Rlhf.Pipeline dpo =
        sft()
            .thenDpo(
                prompts(),
                rater(),
                4,
                io.rlhf4j.djl.train.dpo.DpoConfig.builder()
                    .promptsPerBatch(4)
                    .maxLength(48)
                    .optimizer(AdamWConfig.of(1e-4))
                    .build())
            .labelPrompts(12)
            .rounds(2)
            .seed(0)
            .device(Device.cpu())
            .listeners(List.of(steps));
    try (Rlhf.Result result = dpo.run(dir)) {
      assertThat(result.rewardModelFolder()).isEmpty();
      assertThat(result.policyFolder().resolve("model.safetensors")).exists();
    }
    assertThat(steps.seen.stream().map(StepMetrics::stage).distinct())
        .containsExactly("sft", "round-1/dpo", "round-2/dpo");
    assertThat(dir.resolve("round-2/rankings.jsonl")).exists();
  }

  @Test
  void resumesAnInterruptedPpoStageOnAnotherThreadWithTheWholeHistory() throws Exception {
    Path out = dir.resolve("run");
    // First attempt: killed when round 2's second PPO iteration reports (it is already durable).
    assertThatThrownBy(() -> pipeline(rater(), 0, List.of(crashAt("/ppo", 5))).run(out))
        .hasMessageContaining("simulated crash");
    assertThat(out.resolve("round-2/rankings.jsonl")).exists();
    // Second attempt, built here and run on a pool thread, as an application would.
    Steps steps = new Steps();
    Rlhf.Pipeline pipeline = pipeline(rater(), 0, List.of(steps));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Rlhf.Result result = pool.submit(() -> pipeline.run(out)).get()) {
      // Only round 2's last iteration ran again: SFT, reward models and labels were reused.
      assertThat(steps.seen).extracting(StepMetrics::stage).containsOnly("round-2/ppo");
      assertThat(steps.seen).extracting(StepMetrics::step).containsExactly(3L);
      // The history is the whole run's, across both attempts, once per step.
      List<StepMetrics> history = result.history();
      assertThat(history).anyMatch(m -> m.stage().equals("sft"));
      assertThat(
              history.stream()
                  .filter(m -> m.stage().endsWith("/ppo"))
                  .map(m -> m.stage() + "#" + m.step()))
          .containsExactly(
              "round-1/ppo#1",
              "round-1/ppo#2",
              "round-1/ppo#3",
              "round-2/ppo#1",
              "round-2/ppo#2",
              "round-2/ppo#3");
      // Round 2's fresh rankings have a held-out share (round 1's two comparisons do not).
      assertThat(history)
          .filteredOn(m -> m.values().containsKey("eval_accuracy"))
          .extracting(StepMetrics::stage)
          .containsExactly("round-2/reward");
      try (PretrainedModel saved = PretrainedModel.load(result.policyFolder(), Device.cpu())) {
        assertThat(saved.model().toTensors().get("norm.weight").data())
            .containsExactly(result.engine().policy().toTensors().get("norm.weight").data());
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aRunKilledBetweenTheTwoRoundsOfLabelsEndsExactlyAsAnUninterruptedOne() throws Exception {
    Path straight = dir.resolve("straight");
    labelling(rater(), 0, List.of()).run(straight).close();
    Path killed = dir.resolve("killed");
    // Killed during round 1's PPO: round 1's labels are on disk, round 2's not yet drawn.
    assertThatThrownBy(() -> labelling(rater(), 0, List.of(crashAt("round-1/ppo", 1))).run(killed))
        .hasMessageContaining("simulated crash");
    assertThat(killed.resolve("round-1/rankings.jsonl")).exists();
    assertThat(killed.resolve("round-2/rankings.jsonl")).doesNotExist();
    labelling(rater(), 0, List.of()).run(killed).close();
    assertThat(killed.resolve("round-2/rankings.jsonl"))
        .hasSameBinaryContentAs(straight.resolve("round-2/rankings.jsonl"));
    assertThat(policyWeights(killed)).containsExactly(policyWeights(straight));
  }

  @Test
  void eachRoundEvaluatesItsOwnHeldOutRankingsAndNothingElse() throws Exception {
    Path out = dir.resolve("split");
    List<StepMetrics> history;
    try (Rlhf.Result result = labelling(rater(), 5, List.of()).run(out)) {
      history = result.history();
    }
    HeldOutSplit split = new HeldOutSplit(0.1, 5);
    for (int round = 1; round <= 2; round++) {
      List<Ranking> labelled =
          Jsonl.rankings(out.resolve("round-" + round + "/rankings.jsonl"), ReadOptions.strict())
              .readAll();
      long expected = labelled.stream().filter(r -> split.isHeldOut(r.prompt())).count();
      String stage = "round-" + round + "/reward";
      StepMetrics last =
          history.stream().filter(m -> m.stage().equals(stage)).reduce((a, b) -> b).orElseThrow();
      assertThat(last.values().getOrDefault("eval_rankings", 0.0))
          .as("held-out rankings evaluated in %s", stage)
          .isEqualTo((double) expected);
    }
  }

  @Test
  void grpoFromTheModelAsItIsWithAJavaRewardFunctionNeedsNoSftNorRewardModel() throws Exception {
    Steps steps = new Steps();
    Path out = dir.resolve("from-model");
    // The reward: a story that mentions a dog. No demonstrations, no rankings.
    Rlhf.Pipeline grpo =
        Rlhf.from(TestModels.stories())
            .thenRl(
                prompts(),
                PpoConfig.grpo()
                    .rolloutBatchSize(8)
                    .miniBatchSize(16)
                    .sampling(SamplingConfig.builder().temperature(1).maxNewTokens(32).build())
                    .policyOptimizer(AdamWConfig.of(1e-3))
                    .build(),
                ITERATIONS)
            .rewardFunction("dog", 1, (prompt, response) -> response.contains("dog") ? 1 : 0)
            // Reported, not optimised:
            .rewardFunction("length", 0, (prompt, response) -> response.length())
            .device(Device.cpu())
            .listeners(List.of(steps));
    try (Rlhf.Result result = grpo.run(out)) {
      assertThat(result.policyFolder().resolve("model.safetensors")).exists();
      assertThat(result.rewardModelFolder()).isEmpty();
    }
    assertThat(steps.seen.stream().map(StepMetrics::stage).distinct())
        .containsExactly("round-1/grpo");
    // Each reward is reported on its own; the score is their weighted sum, 1·dog + 0·length.
    for (StepMetrics m : steps.seen) {
      assertThat(m.values()).containsKeys("reward_dog", "reward_length");
      assertThat(m.values().get("score")).isCloseTo(m.values().get("reward_dog"), within(1e-9));
      assertThat(m.values().get("reward_length")).isPositive();
    }
    List<Double> score = steps.seen.stream().map(m -> m.values().get("score")).toList();
    // The first iteration samples the model as given, the KL anchor: no divergence yet.
    assertThat(steps.seen.get(0).values().get("kl")).isCloseTo(0.0, within(1e-6));
    double first =
        score.subList(0, 4).stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double last =
        score.subList(ITERATIONS - 4, ITERATIONS).stream()
            .mapToDouble(Double::doubleValue)
            .average()
            .orElse(0);
    // Measured: 0.02 in the first four iterations, 0.82 in the last four (README).
    assertThat(last).isGreaterThan(first + 0.25);
    // Settings naming the reward: the same run again resumes, finished, with nothing to do.
    Steps again = new Steps();
    try (Rlhf.Result rerun = grpo.listeners(List.of(again)).run(out)) {
      assertThat(again.seen).isEmpty();
    }
  }

  private static final int ITERATIONS = 16;

  @Test
  void aFinishedRunContinuesWithMoreIterationsToWhatOneLongerRunMakes() throws Exception {
    java.util.function.IntFunction<Rlhf.Pipeline> grpo =
        iterations ->
            Rlhf.from(TestModels.stories())
                .thenRl(
                    prompts(),
                    PpoConfig.grpo()
                        .rolloutBatchSize(4)
                        .miniBatchSize(8)
                        .sampling(SamplingConfig.builder().temperature(1).maxNewTokens(16).build())
                        .build(),
                    iterations)
                .rewardFunction((prompt, response) -> response.contains("dog") ? 1 : 0)
                .device(Device.cpu());
    Path straight = dir.resolve("straight");
    try (Rlhf.Result r = grpo.apply(4).run(straight)) {
      assertThat(r.history()).hasSize(4);
    }
    Path continued = dir.resolve("continued");
    try (Rlhf.Result r = grpo.apply(2).run(continued)) {
      assertThat(r.history()).hasSize(2);
    }
    Steps more = new Steps();
    try (Rlhf.Result r = grpo.apply(4).listeners(List.of(more)).run(continued)) {
      assertThat(more.seen).extracting(StepMetrics::step).containsExactly(3L, 4L);
    }
    assertThat(Files.readAllBytes(continued.resolve("policy/model.safetensors")))
        .isEqualTo(Files.readAllBytes(straight.resolve("policy/model.safetensors")));
    // Fewer iterations than the run already has are another run: refused, naming the setting.
    assertThatThrownBy(() -> grpo.apply(3).run(continued))
        .hasMessageContaining("ppo_iterations was 4, is now 3");
  }

  @Test
  void aPipelineNeverChangesOnceMadeSoItCanBeExtendedTwoWays() {
    Rlhf.Pipeline start = Rlhf.from(TestModels.stories());
    Rlhf.Pipeline rl = start.thenRl(prompts(), PpoConfig.grpo().build(), 1);
    Rlhf.Pipeline rewarded = rl.rewardFunction((prompt, response) -> 1);
    Rlhf.Pipeline dpo =
        start.thenDpo(
            PreferenceDataset.of(List.of()), io.rlhf4j.djl.train.dpo.DpoConfig.builder().build());
    assertThat(rewarded).isNotSameAs(rl);
    // Neither the start nor the RL step gained the stages added to what was derived from them,
    // and the two branches do not see each other: each fails on its own missing piece, before
    // anything is loaded or written.
    Path out = dir.resolve("never-written");
    assertThatThrownBy(() -> start.run(out)).hasMessageContaining("before run");
    assertThatThrownBy(() -> rl.run(out)).hasMessageContaining("give thenRl a reward");
    assertThatThrownBy(() -> dpo.thenRl(prompts(), PpoConfig.grpo().build(), 1))
        .hasMessageContaining("either DPO or a reward model and RL");
    assertThatThrownBy(
            () ->
                rl.thenDpo(
                    PreferenceDataset.of(List.of()),
                    io.rlhf4j.djl.train.dpo.DpoConfig.builder().build()))
        .hasMessageContaining("either DPO or a reward model and RL");
    assertThat(out).doesNotExist();
  }

  @Test
  void theLabelerAndKAreGivenOnceAndASecondIsRefusedWhenThePipelineIsBuilt() {
    Rlhf.Pipeline labeled =
        Rlhf.sft(TestModels.stories(), demonstrations(), SftConfig.builder().build())
            .thenRewardModel(rater(), 4, RewardConfig.builder().build());
    assertThatThrownBy(() -> labeled.rounds(2, rater(), 3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("this pipeline already has a labeler and K; they are given once");
    // rounds(n) takes the one given; one round without a labeler leaves it as it was.
    assertThat(labeled.rounds(2)).isNotNull();
    assertThat(labeled.rounds(1, null, 2).rounds(2)).isNotNull();
    Rlhf.Pipeline given =
        Rlhf.sft(TestModels.stories(), demonstrations(), SftConfig.builder().build())
            .thenRewardModel(PreferenceDataset.of(List.of()), RewardConfig.builder().build());
    assertThatThrownBy(() -> given.rounds(2)).hasMessage("later rounds need a labeler");
    assertThatThrownBy(() -> given.rounds(2, rater(), 4).rounds(3, rater(), 4))
        .hasMessageContaining("given once");
  }

  @Test
  void aWrongModelPathFailsBeforeAnythingIsWrittenSoTheCorrectedRunIsNotRefused() {
    Path out = dir.resolve("first-attempt");
    Rlhf.Pipeline wrong =
        Rlhf.sft(dir.resolve("no-such-model"), demonstrations(), SftConfig.builder().build())
            .thenDpo(
                PreferenceDataset.of(
                    List.of(
                        Labeler.byScore(CheerfulRater::score)
                            .rank("Lily", List.of(" was happy with a friend.", " was sad.")))),
                io.rlhf4j.djl.train.dpo.DpoConfig.builder().build());
    assertThatThrownBy(() -> wrong.run(out))
        .isInstanceOf(io.rlhf4j.djl.tensor.ModelFormatException.class)
        .hasMessageContaining("not a folder");
    assertThat(out).doesNotExist();
  }

  @Test
  void aRerunWithOtherSettingsIsRefusedNamingThem() throws Exception {
    Path out = dir.resolve("seeded");
    assertThatThrownBy(() -> pipeline(rater(), 0, List.of(crashAt("sft", 1))).run(out))
        .hasMessageContaining("simulated crash");
    assertThatThrownBy(() -> pipeline(rater(), 1, List.of()).run(out))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds a run made with other settings")
        .hasMessageContaining("seed was 0, is now 1");
  }

  private static float[] logits(io.rlhf4j.djl.model.CausalLm model) {
    long[] ids = {1, 403, 407, 261, 378, 30, 99};
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      ai.djl.ndarray.types.Shape shape = new ai.djl.ndarray.types.Shape(1, ids.length);
      return model.logits(model.hidden(m.create(ids, shape), m.ones(shape), null)).toFloatArray();
    }
  }

  @Test
  void withLoraEveryRoleIsAnAdapterOnOneBaseAndTheExportsMatchThePolicy() throws Exception {
    LoraConfig lora = LoraConfig.builder().rank(4).alpha(8).build();
    Path straight = dir.resolve("lora");
    float[] policy;
    try (Rlhf.Result result = pipeline(rater(), 0, List.of()).lora(lora).run(straight)) {
      Rlhf.EngineModels engine = result.engine();
      assertThat(engine.policy().isAdapter()).isTrue();
      assertThat(engine.rewardModel().model().isAdapter()).isTrue();
      assertThat(engine.rewardModel().model().base()).isSameAs(engine.policy().base());
      // The last round's reward model, a folder on disk (this pipeline runs two rounds).
      assertThat(result.rewardModelFolder().orElseThrow())
          .isEqualTo(straight.resolve("round-2/reward"))
          .isDirectory();
      policy = logits(engine.policy());
    }
    // The merged export is a plain Hugging Face folder computing the policy.
    try (PretrainedModel merged = PretrainedModel.load(straight.resolve("policy"), Device.cpu())) {
      assertThat(merged.model().isAdapter()).isFalse();
      assertClose(logits(merged.model()), policy);
    }
    // The adapter, SFT's update and the policy's composed, applies to the original base.
    try (PretrainedModel onBase =
        PretrainedModel.load(
            TestModels.stories(), straight.resolve(Rlhf.POLICY_ADAPTER), Device.cpu(), false)) {
      assertThat(onBase.model().lora().rank()).isEqualTo(8);
      assertClose(logits(onBase.model()), policy);
    }
    // A LoRA run killed in round 2's PPO resumes to the same adapter.
    Path killed = dir.resolve("lora-killed");
    assertThatThrownBy(
            () -> pipeline(rater(), 0, List.of(crashAt("round-2/ppo", 2))).lora(lora).run(killed))
        .hasMessageContaining("simulated crash");
    pipeline(rater(), 0, List.of()).lora(lora).run(killed).close();
    assertThat(policyWeights(killed)).containsExactly(policyWeights(straight));
  }

  private static void assertClose(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    for (int i = 0; i < a.length; i++) {
      assertThat((double) a[i]).isCloseTo(b[i], org.assertj.core.api.Assertions.within(1e-4));
    }
  }

  @Test
  void aCrashBetweenTheRenamesOfACheckpointSwapIsRepaired() throws Exception {
    Path out = dir.resolve("renames");
    pipeline(rater(), 0, List.of()).run(out).close();
    float[] expected = policyWeights(out);
    // The state a crash between folder → folder.old and folder.tmp → folder leaves, for every
    // checkpoint a rerun reads, plus temporaries a killed write left behind.
    for (String folder : List.of("sft", "round-1/reward", "round-2/ppo", "policy")) {
      Files.move(out.resolve(folder), out.resolve(folder + ".old"));
    }
    Files.createDirectories(out.resolve("round-1/ppo.tmp/policy"));
    Files.writeString(out.resolve("round-2/.rankings.jsonl.tmp"), "half a line");
    Steps steps = new Steps();
    pipeline(rater(), 0, List.of(steps)).run(out).close();
    assertThat(steps.seen).isEmpty(); // everything was finished and is reused
    assertThat(policyWeights(out)).containsExactly(expected);
    try (Stream<Path> all = Files.walk(out)) {
      assertThat(all.map(p -> p.getFileName().toString()))
          .noneMatch(name -> name.endsWith(".old") || name.endsWith(".tmp"));
    }
  }
}
