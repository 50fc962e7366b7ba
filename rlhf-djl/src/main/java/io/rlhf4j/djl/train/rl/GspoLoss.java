package io.rlhf4j.djl.train.rl;

import ai.djl.ndarray.NDArray;

/**
 * GSPO's sequence-ratio surrogate on tensors, the twin of {@link io.rlhf4j.train.rl.GspoSurrogate}.
 * Per token it uses
 *
 * <pre>
 *   log s_{i,t} = logπ_θ(y_t) − sg(logπ_θ(y_t)) + sg( Σ_t m_t (logπ_θ − logπ_old) / |y_i| )
 * </pre>
 *
 * <p>whose value is the sequence ratio s_i at every token and whose gradient is s_i·∇logπ_θ(y_t):
 * averaged over the row's tokens (GSPO's sequence-mean-token-mean aggregation), exactly the
 * gradient of the sequence-level objective. The log-ratio is capped at 10 (verl's guard against an
 * overflowing exp on a stale rollout).
 *
 * @param clipLow ε_low (3e-4 in the paper)
 * @param clipHigh ε_high (4e-4 in the paper)
 */
public record GspoLoss(double clipLow, double clipHigh) implements PolicyLoss {
  private static final float MAX_LOG_RATIO = 10;

  @Override
  public NDArray tokenLosses(NDArray logp, NDArray logpOld, NDArray advantages, NDArray mask) {
    NDArray length = mask.sum(new int[] {1}, true).maximum(1f);
    NDArray sequenceLogRatio =
        logp.sub(logpOld).mul(mask).sum(new int[] {1}, true).div(length).stopGradient();
    NDArray logRatio = logp.sub(logp.stopGradient()).add(sequenceLogRatio).minimum(MAX_LOG_RATIO);
    NDArray ratio = logRatio.exp();
    NDArray unclipped = advantages.neg().mul(ratio);
    NDArray clipped =
        advantages.neg().mul(ratio.clip((float) (1 - clipLow), (float) (1 + clipHigh)));
    return unclipped.maximum(clipped);
  }
}
