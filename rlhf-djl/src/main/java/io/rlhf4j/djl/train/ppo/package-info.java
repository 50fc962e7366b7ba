/**
 * PPO (InstructGPT step 3): the experience maker (sample, score, advantages), the minibatch update,
 * and the trainer that wires them with checkpoints and diagnostics.
 */
package io.rlhf4j.djl.train.ppo;
