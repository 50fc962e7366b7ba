package io.rlhf4j.examples.train;

import io.rlhf4j.spark.SparkRollouts;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark context of an RL command run with {@code --spark}: the application spark-submit started
 * (master, executors, resources all come from its command line). Kept in its own class so the Spark
 * classes are loaded only when asked for.
 */
final class SparkCluster implements AutoCloseable {
  private final JavaSparkContext context;
  private final SparkRollouts rollouts;

  private SparkCluster(JavaSparkContext context) {
    this.context = context;
    this.rollouts = new SparkRollouts(context);
  }

  /**
   * Joins the Spark application this JVM was started in.
   *
   * @throws IllegalArgumentException with one line saying what to do, when no master is set
   * @throws NoClassDefFoundError when Spark is not on the class path
   */
  static SparkCluster open(String appName) {
    SparkConf conf = new SparkConf().setAppName(appName);
    if (!conf.contains("spark.master")) {
      throw new IllegalArgumentException(
          "--spark: no Spark master; run the command under spark-submit (see README), or set"
              + " -Dspark.master=local[N] to try it in this JVM");
    }
    return new SparkCluster(
        JavaSparkContext.fromSparkContext(org.apache.spark.SparkContext.getOrCreate(conf)));
  }

  /** The rollout backend over this context. */
  SparkRollouts rollouts() {
    return rollouts;
  }

  @Override
  public void close() {
    rollouts.close();
    context.stop();
  }
}
