/**
 * Rewards that ship with the library for verifiable tasks: a math-style final answer against the
 * known one, a format (regular expression), JSON well-formedness, a length limit. Each is a plain
 * function of (prompt, response) for {@code Rlhf.Pipeline.rewardFunction}.
 */
package io.rlhf4j.reward;
