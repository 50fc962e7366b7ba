package io.rlhf4j.train.ppo;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.train.Masked;

/**
 * Generalised advantage estimation (Schulman et al. 2016, eq. 16) over each response:
 *
 * <pre>
 *   δ_t = R_t + γ V(s_{t+1}) − V(s_t)          (V = 0 after the last token)
 *   A_t = δ_t + γ λ A_{t+1}
 *   G_t = A_t + V(s_t)                          (the value target, "returns")
 * </pre>
 *
 * <p>Only positions with mask 1 take part; "next" means the next valid position, so padding
 * anywhere is skipped. Padding gets advantage and return 0.
 */
public final class Gae {
  private Gae() {}

  /** Advantages and returns, each [batch][time]. */
  public record Result(double[][] advantages, double[][] returns) {}

  /**
   * @param rewards per-token rewards R_t
   * @param values V(s_t) from the value model at rollout time
   * @param mask 1 for response tokens
   * @param gamma discount γ ∈ [0, 1]
   * @param lambda GAE λ ∈ [0, 1]
   */
  public static Result compute(
      double[][] rewards, double[][] values, double[][] mask, double gamma, double lambda) {
    Masked.checkShapes(rewards, values);
    Masked.checkShapes(rewards, mask);
    checkArgument(gamma >= 0 && gamma <= 1, "gamma must be in [0, 1]: %s", gamma);
    checkArgument(lambda >= 0 && lambda <= 1, "lambda must be in [0, 1]: %s", lambda);
    double[][] adv = new double[rewards.length][];
    double[][] ret = new double[rewards.length][];
    for (int b = 0; b < rewards.length; b++) {
      int n = rewards[b].length;
      adv[b] = new double[n];
      ret[b] = new double[n];
      double nextValue = 0;
      double nextAdvantage = 0;
      for (int t = n - 1; t >= 0; t--) {
        if (mask[b][t] == 0) {
          continue;
        }
        double delta = rewards[b][t] + gamma * nextValue - values[b][t];
        adv[b][t] = delta + gamma * lambda * nextAdvantage;
        ret[b][t] = adv[b][t] + values[b][t];
        nextValue = values[b][t];
        nextAdvantage = adv[b][t];
      }
    }
    return new Result(adv, ret);
  }
}
