package io.rlhf4j.spark;

import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.train.rollout.RolloutBackend;
import io.rlhf4j.djl.train.rollout.RolloutShard;
import io.rlhf4j.djl.train.rollout.RolloutWorker;
import io.rlhf4j.djl.train.rollout.Rollouts;
import io.rlhf4j.djl.train.rollout.ShardRollout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes an RL trainer's experience on Spark: each shard of an iteration (see {@link
 * io.rlhf4j.djl.train.ppo.PpoConfig#rolloutPartitions}) is one task. Use it with {@code
 * DjlPpoTrainer.rolloutsOn(new SparkRollouts(sc))} or {@code Rlhf...rolloutsOn(...)}.
 *
 * <ul>
 *   <li>For each trainer, a {@link WorkerBlueprint} (frozen weights, tokenizer, settings) is
 *       broadcast once; each executor JVM builds the models from it once and keeps them.
 *   <li>Each iteration only the trained weights are broadcast: a LoRA adapter (and heads), or full
 *       weights when fully fine-tuning. An executor loads them once per iteration.
 *   <li>Tasks return token ids, log-probabilities of policy and reference, scores and values; the
 *       driver computes advantages and updates as in one process.
 * </ul>
 *
 * <p>Every random draw of a shard is a function of (seed, iteration, row), and a shard is computed
 * as the driver would compute it, so a shard made on an executor equals the driver's bit for bit,
 * given the same hardware, natives and thread count. A failed or lost task is recomputed by Spark
 * (up to {@code spark.task.maxFailures}) from the same inputs and so gives the same shard; nothing
 * reaches the trainer until every shard is in.
 *
 * <p>Metrics added per iteration: {@code broadcast_seconds} and {@code broadcast_mb} (trained
 * weights, plus the blueprint when a trainer is first seen), {@code rollout_seconds} (the Spark
 * job, wall) and {@code collect_seconds} (that job less its slowest task's generate + score:
 * scheduling, shipping and gathering). {@code generate_seconds} and {@code score_seconds} are
 * summed over tasks.
 */
public final class SparkRollouts implements RolloutBackend {
  private static final Logger LOG = LoggerFactory.getLogger(SparkRollouts.class);

  private final JavaSparkContext spark;
  private final ShardListener listener;
  private RolloutWorker seen;
  private Broadcast<WorkerBlueprint> blueprint;

  /** Rollouts on {@code spark}'s executors. */
  public SparkRollouts(JavaSparkContext spark) {
    this(spark, null);
  }

  /**
   * As above, with {@code listener} called in each task after its shard is made (null: none): a
   * listener that throws fails that attempt, which Spark retries.
   */
  public SparkRollouts(JavaSparkContext spark, ShardListener listener) {
    this.spark = checkNotNull(spark, "spark");
    this.listener = listener;
  }

  @Override
  public Rollouts run(RolloutWorker worker, List<RolloutShard> shards) {
    long t0 = System.nanoTime();
    long bytes = 0;
    if (worker != seen) {
      // A new trainer (a new round's reward model, say): its frozen models are shipped anew.
      destroyBlueprint();
      WorkerBlueprint plan = WorkerBlueprint.of(worker);
      blueprint = spark.broadcast(plan);
      seen = worker;
      bytes += plan.bytes();
      LOG.info(
          "broadcast the rollout models: {} frozen, {} MB",
          plan.frozen.size(),
          String.format("%.1f", plan.bytes() / 1e6));
    }
    TrainedWeights now = WorkerBlueprint.weightsOf(worker, shards.get(0).iteration());
    Broadcast<TrainedWeights> weights = spark.broadcast(now);
    bytes += now.bytes();
    long t1 = System.nanoTime();
    List<ShardRollout> made;
    try {
      made =
          new ArrayList<>(
              spark
                  .parallelize(shards, shards.size())
                  .map(new MakeShard(blueprint, weights, listener))
                  .collect());
    } finally {
      weights.destroy();
    }
    long t2 = System.nanoTime();
    made.sort(Comparator.comparingInt(ShardRollout::index));
    // The tasks' compute spread over the slots that ran them: what the job would take if it only
    // computed; the rest of its wall time is scheduling, shipping and gathering.
    double compute =
        made.stream().mapToDouble(s -> s.generateSeconds() + s.scoreSeconds()).sum()
            / Math.max(1, Math.min(made.size(), spark.sc().defaultParallelism()));
    Map<String, Double> timings = new LinkedHashMap<>();
    timings.put("broadcast_seconds", (t1 - t0) / 1e9);
    timings.put("broadcast_mb", bytes / 1e6);
    timings.put("rollout_seconds", (t2 - t1) / 1e9);
    timings.put("collect_seconds", Math.max(0, (t2 - t1) / 1e9 - compute));
    return new Rollouts(made, timings);
  }

  @Override
  public void close() {
    destroyBlueprint();
    // In local mode the executor is this JVM: its models go with the backend.
    if (spark.sc().isLocal()) {
      ExecutorCache.clear();
    }
  }

  private void destroyBlueprint() {
    if (blueprint != null) {
      blueprint.destroy();
      blueprint = null;
      seen = null;
    }
  }

  /** The task: one shard with the executor's models at this iteration's weights. */
  private static final class MakeShard implements Function<RolloutShard, ShardRollout> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<WorkerBlueprint> blueprint;
    private final Broadcast<TrainedWeights> weights;
    private final ShardListener listener;

    MakeShard(
        Broadcast<WorkerBlueprint> blueprint,
        Broadcast<TrainedWeights> weights,
        ShardListener listener) {
      this.blueprint = blueprint;
      this.weights = weights;
      this.listener = listener;
    }

    @Override
    public ShardRollout call(RolloutShard shard) throws Exception {
      ExecutorModels models = ExecutorCache.take(blueprint.value(), weights::value);
      boolean done = false;
      try {
        ShardRollout made = models.worker(weights.value()).run(shard);
        if (listener != null) {
          TaskContext task = TaskContext.get();
          listener.afterShard(shard, task == null ? 0 : task.attemptNumber());
        }
        done = true;
        return made;
      } finally {
        if (done) {
          ExecutorCache.give(models);
        } else {
          models.close();
        }
      }
    }
  }
}
