/**
 * The engine-free contracts a model implements: {@link io.rlhf4j.model.Policy} (sample, score
 * log-probabilities), {@link io.rlhf4j.model.RewardModel}, {@link io.rlhf4j.model.Tokenizer}, and
 * the sampling settings and results they exchange.
 */
package io.rlhf4j.model;
