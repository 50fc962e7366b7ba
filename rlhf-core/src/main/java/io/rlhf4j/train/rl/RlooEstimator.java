package io.rlhf4j.train.rl;

/**
 * RLOO (Ahmadian et al. 2024, "Back to Basics"; OpenRLHF {@code rloo}; TRL's RLOOTrainer):
 * REINFORCE with the leave-one-out baseline, the mean reward of the other samples of the same
 * prompt, the same advantage at every token, and no critic:
 *
 * <pre>
 *   A_i = r_i − (1 / (k − 1)) Σ_{j ≠ i} r_j        k samples of the prompt
 * </pre>
 */
public final class RlooEstimator implements AdvantageEstimator {
  @Override
  public Advantages estimate(EstimatorInput in) {
    Groups.checkPairs(in.groups(), "RLOO");
    double[] r = in.sequenceRewards();
    double[] mean = Groups.means(r, in.groups());
    int[] k = Groups.sizes(in.groups());
    double[] a = new double[r.length];
    for (int i = 0; i < r.length; i++) {
      double others = (mean[i] * k[i] - r[i]) / (k[i] - 1);
      a[i] = r[i] - others;
    }
    return new Advantages(in.broadcast(a), null);
  }

  @Override
  public boolean needsGroups() {
    return true;
  }
}
