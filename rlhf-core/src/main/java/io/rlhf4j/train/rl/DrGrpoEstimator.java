package io.rlhf4j.train.rl;

/**
 * Dr. GRPO (Liu et al. 2025, "Understanding R1-Zero-Like Training"; OpenRLHF {@code dr_grpo}): GRPO
 * without the division by the group's standard deviation, which over-weights prompts whose samples
 * score nearly alike. (Its other half, no per-sequence length normalisation, is the loss
 * aggregation {@link LossAggregation#SEQ_MEAN_TOKEN_SUM}.)
 *
 * <pre>
 *   A_i = r_i − mean_g r
 * </pre>
 */
final class DrGrpoEstimator implements AdvantageEstimator {
  @Override
  public Advantages estimate(EstimatorInput in) {
    Groups.checkPairs(in.groups(), "Dr. GRPO");
    double[] r = in.sequenceRewards();
    double[] mean = Groups.means(r, in.groups());
    double[] a = new double[r.length];
    for (int i = 0; i < r.length; i++) {
      a[i] = r[i] - mean[i];
    }
    return new Advantages(in.broadcast(a), null);
  }

  @Override
  public boolean needsGroups() {
    return true;
  }
}
