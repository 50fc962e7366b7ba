package io.rlhf4j.train.rl;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A group estimator in OpenRLHF's order: the scores alone are baselined (normalised, centred or
 * left-one-out) by {@code inner}, and the per-token KL penalty is added afterwards as a
 * return-to-go, so each token's advantage carries the KL still ahead of it:
 *
 * <pre>
 *   b_i = inner(scores)_i                           (GRPO: (r_i − mean_g r) / (std_g r + ε))
 *   A_{i,t} = b_i + Σ_{s ≥ t} γ^{s−t} (−β KL_{i,s})
 * </pre>
 *
 * <p>This is OpenRLHF's {@code group_norm}, {@code dr_grpo} and {@code rloo} with the KL in the
 * reward (its {@code compute_reward} after the baseline, then {@code get_cumulative_returns}). The
 * estimators alone follow verl and TRL instead, baselining score − β·ΣKL per sequence; with the KL
 * as a loss term (β = 0 in the reward) the two agree.
 *
 * @param inner an estimator that gives each row one baselined value at every token
 * @param gamma γ of the return-to-go (1)
 */
public record ScoreFirstEstimator(AdvantageEstimator inner, double gamma)
    implements AdvantageEstimator {
  /** Validates. */
  public ScoreFirstEstimator {
    checkNotNull(inner, "inner");
  }

  @Override
  public Advantages estimate(EstimatorInput in) {
    double[][] noKl = new double[in.size()][];
    for (int b = 0; b < in.size(); b++) {
      noKl[b] = new double[in.mask()[b].length];
    }
    double[][] a =
        inner
            .estimate(new EstimatorInput(in.scores(), noKl, in.mask(), in.groups(), in.values()))
            .advantages();
    for (int b = 0; b < a.length; b++) {
      double toGo = 0;
      for (int t = a[b].length - 1; t >= 0; t--) {
        if (in.mask()[b][t] != 0) {
          toGo = in.klPenalty()[b][t] + gamma * toGo;
          a[b][t] += toGo;
        }
      }
    }
    return new Advantages(a, null);
  }

  @Override
  public boolean needsCritic() {
    return inner.needsCritic();
  }

  @Override
  public boolean needsGroups() {
    return inner.needsGroups();
  }
}
