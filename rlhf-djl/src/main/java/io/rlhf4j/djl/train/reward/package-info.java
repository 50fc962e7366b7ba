/**
 * Reward-model training (InstructGPT step 2) on K-wise rankings, all C(K,2) pairs of a prompt in
 * one batch.
 */
package io.rlhf4j.djl.train.reward;
