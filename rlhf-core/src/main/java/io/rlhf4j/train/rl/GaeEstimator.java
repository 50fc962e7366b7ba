package io.rlhf4j.train.rl;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.train.ppo.Gae;
import io.rlhf4j.train.ppo.Whitening;

/**
 * PPO's estimator (InstructGPT; OpenRLHF {@code gae}): per-token rewards R_t = −β·KL_t with the
 * score added at the last token, then generalised advantage estimation with the critic's values,
 *
 * <pre>
 *   δ_t = R_t + γ V(s_{t+1}) − V(s_t),   A_t = δ_t + γ λ A_{t+1},   G_t = A_t + V(s_t)
 * </pre>
 *
 * <p>and, optionally, advantages whitened over the batch. The critic learns G_t.
 *
 * @param gamma γ (1)
 * @param lambda λ (0.95)
 * @param whiten whether to whiten the advantages (yes)
 */
record GaeEstimator(double gamma, double lambda, boolean whiten) implements AdvantageEstimator {
  @Override
  public Advantages estimate(EstimatorInput in) {
    checkArgument(in.values() != null, "GAE needs the critic's values");
    Gae.Result gae =
        Gae.compute(in.tokenRewards(in.scores()), in.values(), in.mask(), gamma, lambda);
    double[][] advantages =
        whiten ? Whitening.whiten(gae.advantages(), in.mask(), true) : gae.advantages();
    return new Advantages(advantages, gae.returns());
  }

  @Override
  public boolean needsCritic() {
    return true;
  }
}
