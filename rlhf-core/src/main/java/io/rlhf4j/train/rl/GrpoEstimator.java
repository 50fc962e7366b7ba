package io.rlhf4j.train.rl;

/**
 * GRPO (Shao et al. 2024, DeepSeekMath; OpenRLHF {@code group_norm}; TRL's GRPOTrainer): each
 * sample's sequence reward normalised within the group of samples of its prompt, the same advantage
 * at every one of its tokens, and no critic:
 *
 * <pre>
 *   A_i = (r_i − mean_g r) / (std_g r + ε)        std unbiased, ε = 1e-4 (TRL's)
 * </pre>
 */
final class GrpoEstimator implements AdvantageEstimator {
  /** Keeps a group whose rewards are all equal at advantage 0 instead of dividing by 0. */
  public static final double EPSILON = 1e-4;

  @Override
  public Advantages estimate(EstimatorInput in) {
    Groups.checkPairs(in.groups(), "GRPO");
    double[] r = in.sequenceRewards();
    double[] mean = Groups.means(r, in.groups());
    double[] std = Groups.stds(r, in.groups());
    double[] a = new double[r.length];
    for (int i = 0; i < r.length; i++) {
      a[i] = (r[i] - mean[i]) / (std[i] + EPSILON);
    }
    return new Advantages(in.broadcast(a), null);
  }

  @Override
  public boolean needsGroups() {
    return true;
  }
}
