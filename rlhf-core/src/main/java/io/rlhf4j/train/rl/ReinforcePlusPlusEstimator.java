package io.rlhf4j.train.rl;

import io.rlhf4j.train.ppo.Whitening;

/**
 * REINFORCE++ (Hu 2025; OpenRLHF {@code reinforce}, and {@code reinforce_baseline} with a group
 * baseline): no critic; per-token rewards shaped by the KL penalty as in PPO, the undiscounted
 * return-to-go at each token, whitened over the whole batch (the global normalisation that keeps it
 * stable without a critic):
 *
 * <pre>
 *   R_t = −β·KL_t (+ r − b at the last token),   G_t = Σ_{s ≥ t} γ^{s−t} R_s,   A = whiten(G)
 * </pre>
 *
 * <p>With {@code groupBaseline} the score first loses its group's mean, b = mean_g r (so several
 * samples per prompt are needed); without, b = 0.
 *
 * @param gamma γ (1)
 * @param groupBaseline subtract each prompt's mean score first
 */
record ReinforcePlusPlusEstimator(double gamma, boolean groupBaseline)
    implements AdvantageEstimator {
  @Override
  public Advantages estimate(EstimatorInput in) {
    double[] scores = in.scores().clone();
    if (groupBaseline) {
      Groups.checkPairs(in.groups(), "REINFORCE++ with a group baseline");
      double[] mean = Groups.means(scores, in.groups());
      for (int i = 0; i < scores.length; i++) {
        scores[i] -= mean[i];
      }
    }
    double[][] rewards = in.tokenRewards(scores);
    double[][] returns = new double[rewards.length][];
    for (int b = 0; b < rewards.length; b++) {
      returns[b] = new double[rewards[b].length];
      double next = 0;
      for (int t = rewards[b].length - 1; t >= 0; t--) {
        if (in.mask()[b][t] != 0) {
          next = rewards[b][t] + gamma * next;
          returns[b][t] = next;
        }
      }
    }
    return new Advantages(Whitening.whiten(returns, in.mask(), true), null);
  }

  @Override
  public boolean needsGroups() {
    return groupBaseline;
  }
}
