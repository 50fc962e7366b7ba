package io.rlhf4j.djl.train.rl;

import ai.djl.ndarray.NDArray;

/**
 * PPO's clipped surrogate per token, max(−A·ρ, −A·clip(ρ, 1 − ε_low, 1 + ε_high)) with ρ =
 * exp(logπ_θ − logπ_old): the tensor twin of {@link io.rlhf4j.train.rl.ClippedSurrogate}.
 *
 * @param clipLow ε_low
 * @param clipHigh ε_high (DAPO's clip-higher when above ε_low)
 */
public record PpoClipLoss(double clipLow, double clipHigh) implements PolicyLoss {
  @Override
  public NDArray tokenLosses(NDArray logp, NDArray logpOld, NDArray advantages, NDArray mask) {
    NDArray ratio = logp.sub(logpOld).exp();
    NDArray unclipped = advantages.neg().mul(ratio);
    NDArray clipped =
        advantages.neg().mul(ratio.clip((float) (1 - clipLow), (float) (1 + clipHigh)));
    return unclipped.maximum(clipped);
  }
}
