package io.rlhf4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.model.WeightedReward;
import io.rlhf4j.reward.Verifiers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts on Spark in local mode (two task slots, failed tasks retried) against the oracle the
 * design promises: the same trainer making the same shards in one process, compared bit for bit.
 */
class SparkRolloutsTest {

  private static JavaSparkContext spark;

  // Attempts the fault drill saw, "shard:attempt" (local mode: tasks run in this JVM).
  private static final List<String> ATTEMPTS = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startSpark() {
    spark =
        new JavaSparkContext(
            // two slots; a task may fail 3 times before the job does
            Fixtures.conf("local[2,4]", "rlhf4j-test"));
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void ppoRolloutsOnSparkAreTheOneProcessRollouts() {
    long built = ExecutorCache.built();
    Fixtures.sameAsOneProcess(spark, false, Fixtures.ppo(), null);
    // 3 shards × 2 iterations on 2 slots: the models were built once per slot at most, then kept
    // (local mode: the executor is this JVM).
    assertThat(ExecutorCache.built() - built).isBetween(1L, 2L);
  }

  @Test
  void grpoWithLoraOnSparkIsTheOneProcessRun() {
    Fixtures.sameAsOneProcess(spark, true, Fixtures.grpo(), null);
  }

  @Test
  void rewardsFromJavaFunctionsAndVerifiersTravelToTheExecutors() {
    // Lambdas and verifiers, combined with weights: serialisable by construction, rebuilt on the
    // executors, scoring exactly as in process.
    Fixtures.sameAsOneProcess(
        spark,
        false,
        Fixtures.grpo(),
        null,
        tokenizer ->
            new WeightedReward(
                tokenizer,
                List.of(
                    WeightedReward.Term.of("friend", 1, (p, r) -> r.contains("friend") ? 1 : 0),
                    WeightedReward.Term.of("long", 0.5, Verifiers.maxLength(30)),
                    WeightedReward.Term.of("json", 0, Verifiers.json()))));
  }

  @Test
  void multiTurnEpisodesOnSparkAreTheOneProcessEpisodes() {
    // The environments are built on the executors from the serialisable factory; experience
    // (masks included) and the weights after two updates are bit for bit the one-process run's.
    Fixtures.sameAsOneProcess(
        spark, false, Fixtures.grpo().toBuilder().environment(Fixtures.twoTurns()).build(), null);
  }

  @Test
  void aTaskThatFailsAfterItsWorkAndLosesItsExecutorsModelsIsRetriedToTheSameResult() {
    ATTEMPTS.clear();
    Fixtures.sameAsOneProcess(
        spark,
        false,
        Fixtures.ppo(),
        (shard, attempt) -> {
          ATTEMPTS.add(shard.index() + ":" + attempt);
          if (shard.index() == 1 && attempt == 0) {
            ExecutorCache.clear(); // as if the executor died: its models are gone too
            throw new IllegalStateException("injected failure of shard 1, attempt 0");
          }
        });
    // Both iterations: shard 1 failed once and was retried; the others ran once.
    assertThat(ATTEMPTS).contains("1:0", "1:1").doesNotContain("0:1", "2:1");
    assertThat(ATTEMPTS.stream().filter("1:1"::equals).count()).isEqualTo(2);
  }

  @Test
  void aRestartedDriverResumesFromItsCheckpointToTheUninterruptedResult(@TempDir Path dir) {
    PpoConfig config = Fixtures.ppo();
    Map<String, Tensor> uninterrupted;
    try (Fixtures.Models m = new Fixtures.Models(false, true);
        DjlPpoTrainer t = m.trainer(config)) {
      t.train(Fixtures.prompts(m.base.tokenizer(), 8), 3, dir.resolve("one"), 1, 5);
      uninterrupted = m.policy.toTensors();
    }
    Path checkpoint = dir.resolve("spark");
    // The first application stops after 2 of 3 iterations; the second resumes and finishes.
    for (long iterations : new long[] {2, 3}) {
      try (Fixtures.Models m = new Fixtures.Models(false, true);
          DjlPpoTrainer t = m.trainer(config);
          SparkRollouts rollouts = new SparkRollouts(spark)) {
        t.rolloutsOn(rollouts)
            .train(Fixtures.prompts(m.base.tokenizer(), 8), iterations, checkpoint, 1, 5);
        if (iterations == 3) {
          assertThat(Fixtures.tensorsEqual(m.policy.toTensors(), uninterrupted)).isTrue();
        }
      }
    }
  }
}
