package io.rlhf4j.djl.train.rl;

import ai.djl.ndarray.NDArray;

/**
 * CISPO's surrogate per token on tensors, −sg(clip(ρ, 1 − ε_low, 1 + ε_high))·A·logπ_θ: the tensor
 * twin of {@link io.rlhf4j.train.rl.CispoSurrogate}. The weight is detached, so the gradient is the
 * clipped weight times A times ∇logπ_θ at every token, clipped or not.
 *
 * @param clipLow ε_low (1: no lower bound, the paper's choice)
 * @param clipHigh ε_high
 */
public record CispoLoss(double clipLow, double clipHigh) implements PolicyLoss {
  @Override
  public NDArray tokenLosses(NDArray logp, NDArray logpOld, NDArray advantages, NDArray mask) {
    NDArray weight =
        logp.sub(logpOld).exp().clip((float) (1 - clipLow), (float) (1 + clipHigh)).stopGradient();
    return weight.mul(advantages).mul(logp).neg();
  }
}
