package io.rlhf4j.train.ppo;

import io.rlhf4j.train.Masked;

/**
 * PPO's two losses (Schulman et al. 2017), token-level means over the valid tokens of a batch.
 * Plain double precision: the reference for the tensor implementation.
 */
public final class PpoLoss {
  private PpoLoss() {}

  /**
   * The clipped surrogate objective, negated to a loss (PPO eq. 7):
   *
   * <pre>
   *   ρ_t  = exp(log π_new(a_t|s_t) − log π_old(a_t|s_t))
   *   L^CLIP = −E_t[ min( ρ_t A_t, clip(ρ_t, 1−ε, 1+ε) A_t ) ]
   * </pre>
   */
  public static double policyLoss(
      double[][] logpNew, double[][] logpOld, double[][] advantages, double[][] mask, double clip) {
    double[][] loss = new double[logpNew.length][];
    for (int b = 0; b < logpNew.length; b++) {
      loss[b] = new double[logpNew[b].length];
      for (int t = 0; t < logpNew[b].length; t++) {
        double ratio = Math.exp(logpNew[b][t] - logpOld[b][t]);
        double clipped = Math.max(1 - clip, Math.min(1 + clip, ratio));
        loss[b][t] = Math.max(-advantages[b][t] * ratio, -advantages[b][t] * clipped);
      }
    }
    return Masked.mean(loss, mask);
  }

  /**
   * The clipped value loss (PPO2 / OpenAI baselines):
   *
   * <pre>
   *   V^clip = V_old + clip(V_new − V_old, −ε_v, ε_v)
   *   L^V    = ½ E_t[ max( (V_new − G_t)², (V^clip − G_t)² ) ]
   * </pre>
   */
  public static double valueLoss(
      double[][] valuesNew,
      double[][] valuesOld,
      double[][] returns,
      double[][] mask,
      double clip) {
    double[][] loss = new double[valuesNew.length][];
    for (int b = 0; b < valuesNew.length; b++) {
      loss[b] = new double[valuesNew[b].length];
      for (int t = 0; t < valuesNew[b].length; t++) {
        double delta = Math.max(-clip, Math.min(clip, valuesNew[b][t] - valuesOld[b][t]));
        double clipped = valuesOld[b][t] + delta;
        double a = valuesNew[b][t] - returns[b][t];
        double c = clipped - returns[b][t];
        loss[b][t] = 0.5 * Math.max(a * a, c * c);
      }
    }
    return Masked.mean(loss, mask);
  }
}
