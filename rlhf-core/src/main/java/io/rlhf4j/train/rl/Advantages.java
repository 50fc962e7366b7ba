package io.rlhf4j.train.rl;

/**
 * An estimator's output.
 *
 * @param advantages A_t per response token, [rows][time] (0 at padding)
 * @param returns the critic's targets, or null for an estimator without a critic
 */
public record Advantages(double[][] advantages, double[][] returns) {}
