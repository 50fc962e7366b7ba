/**
 * The fluent InstructGPT pipeline ({@link io.rlhf4j.api.Rlhf}): SFT, reward model, PPO and iterated
 * rounds on one model, resumable, writing everything under one run folder.
 */
package io.rlhf4j.api;
