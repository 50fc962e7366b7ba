/**
 * Rollouts on Apache Spark: {@link io.rlhf4j.spark.SparkRollouts} runs an RL trainer's
 * experience-making shards as Spark tasks while the learner (advantages, updates, checkpoints)
 * stays on the driver. Executors build the trainer's frozen models once from a broadcast {@link
 * io.rlhf4j.spark.WorkerBlueprint} and receive only the trained weights each iteration; every shard
 * comes back bit for bit as the driver would have made it.
 */
package io.rlhf4j.spark;
