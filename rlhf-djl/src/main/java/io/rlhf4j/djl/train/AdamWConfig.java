package io.rlhf4j.djl.train;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * AdamW hyper-parameters (Loshchilov and Hutter 2019), PyTorch's defaults except the rate.
 *
 * @param learningRate peak rate (the schedule multiplies it)
 * @param beta1 first-moment decay
 * @param beta2 second-moment decay
 * @param epsilon added to the root of the second moment
 * @param weightDecay decoupled decay for matrices and embeddings; norms and biases get none
 * @param maxGradNorm global L2 norm the gradients are clipped to; 0 disables clipping
 */
public record AdamWConfig(
    double learningRate,
    double beta1,
    double beta2,
    double epsilon,
    double weightDecay,
    double maxGradNorm) {

  /** Validates on construction. */
  public AdamWConfig {
    checkArgument(learningRate > 0, "learningRate must be > 0: %s", learningRate);
    checkArgument(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1): %s", beta1);
    checkArgument(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1): %s", beta2);
    checkArgument(epsilon > 0, "epsilon must be > 0: %s", epsilon);
    checkArgument(weightDecay >= 0, "weightDecay must be >= 0: %s", weightDecay);
    checkArgument(maxGradNorm >= 0, "maxGradNorm must be >= 0: %s", maxGradNorm);
  }

  /** β = (0.9, 0.999), ε = 1e-8, weight decay 0, clipping at norm 1. */
  public static AdamWConfig of(double learningRate) {
    return new AdamWConfig(learningRate, 0.9, 0.999, 1e-8, 0.0, 1.0);
  }

  /** A copy with another weight decay. */
  public AdamWConfig withWeightDecay(double value) {
    return new AdamWConfig(learningRate, beta1, beta2, epsilon, value, maxGradNorm);
  }

  /** A copy with another clipping norm. */
  public AdamWConfig withMaxGradNorm(double value) {
    return new AdamWConfig(learningRate, beta1, beta2, epsilon, weightDecay, value);
  }
}
