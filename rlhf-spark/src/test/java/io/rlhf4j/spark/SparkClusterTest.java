package io.rlhf4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rollouts on a real standalone cluster started in this test: Spark's {@code local-cluster} mode,
 * one master and two workers, each executor its own JVM. Everything a cluster does is done:
 * broadcasts serialised and read in other JVMs, models built there, executors lost and replaced.
 */
class SparkClusterTest {
  private static JavaSparkContext spark;
  private static final AtomicInteger EXECUTORS_LOST = new AtomicInteger();

  @BeforeAll
  static void startCluster() throws Exception {
    // local-cluster mode starts executors the way Spark's own build tests them: from a "Spark home"
    // whose jar folder may be empty, the classes coming from this JVM's class path.
    Path home = Path.of("target", "spark-home").toAbsolutePath();
    Files.createDirectories(home.resolve("assembly/target/scala-2.12/jars"));
    System.setProperty("spark.testing", "true");
    System.setProperty("spark.test.home", home.toString());
    spark =
        new JavaSparkContext(
            // 2 workers × 1 core, 1 GB each
            Fixtures.conf("local-cluster[2,1,1024]", "rlhf4j-cluster-test")
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set(
                    "spark.executor.extraJavaOptions", System.getProperty("spark.test.javaOptions"))
                .set("spark.executorEnv.OMP_NUM_THREADS", "1"));
    spark
        .sc()
        .addSparkListener(
            new SparkListener() {
              @Override
              public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
                EXECUTORS_LOST.incrementAndGet();
              }
            });
  }

  @AfterAll
  static void stopCluster() {
    spark.stop();
  }

  @Test
  void rolloutsMadeInExecutorJvmsAreTheOneProcessRollouts() {
    Fixtures.sameAsOneProcess(spark, false, Fixtures.ppo(), null);
  }

  @Test
  void anExecutorThatDiesMidIterationIsReplacedAndTheIterationIsUnchanged() throws Exception {
    int lostBefore = EXECUTORS_LOST.get();
    Fixtures.sameAsOneProcess(
        spark,
        true,
        Fixtures.grpo(),
        (shard, attempt) -> {
          if (shard.index() == 1 && attempt == 0) {
            // The whole executor JVM goes, its models with it, after the shard was made.
            Runtime.getRuntime().halt(137);
          }
        });
    // One executor died in each of the two iterations (the listener bus may lag a moment).
    for (int i = 0; i < 100 && EXECUTORS_LOST.get() < lostBefore + 2; i++) {
      Thread.sleep(50);
    }
    assertThat(EXECUTORS_LOST.get() - lostBefore).isEqualTo(2);
  }
}
