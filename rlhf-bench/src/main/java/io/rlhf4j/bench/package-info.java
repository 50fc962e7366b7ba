/**
 * JMH benchmarks of decoding, a training step, a PPO iteration, native memory and the reference
 * losses; each speed is reported next to a matmul measured in the same run.
 */
package io.rlhf4j.bench;
