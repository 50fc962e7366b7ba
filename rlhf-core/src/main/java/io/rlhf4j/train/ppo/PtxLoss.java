package io.rlhf4j.train.ppo;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.train.Masked;

/**
 * The PPO-ptx term of InstructGPT eq. (2), γ · E_{x∼D_pretrain}[log π_RL(x)], negated to a loss and
 * taken per token so its scale does not depend on sequence length:
 *
 * <pre>
 *   L^ptx = −γ · mean_t log π_RL(x_t | x_{&lt;t})
 * </pre>
 */
public final class PtxLoss {
  private PtxLoss() {}

  /**
   * @param logp log π_RL of each pretraining token given its prefix
   * @param mask 1 for real tokens
   * @param gamma the pretraining coefficient γ ≥ 0
   */
  public static double loss(double[][] logp, double[][] mask, double gamma) {
    checkArgument(gamma >= 0 && Double.isFinite(gamma), "gamma must be >= 0: %s", gamma);
    return -gamma * Masked.mean(logp, mask);
  }
}
