/**
 * Making experience, the part of an RL iteration that parallelises: an iteration's prompts cut into
 * {@link io.rlhf4j.djl.train.rollout.RolloutShard}s, each sampled and scored by a {@link
 * io.rlhf4j.djl.train.rollout.RolloutWorker} into a {@link
 * io.rlhf4j.djl.train.rollout.ShardRollout}, wherever a {@link
 * io.rlhf4j.djl.train.rollout.RolloutBackend} runs it: in this process by default, on Spark
 * executors with rlhf-spark. The learner (advantages, updates) stays with the trainer.
 */
package io.rlhf4j.djl.train.rollout;
