package io.rlhf4j.train.rl;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.train.Masked;

/**
 * What an advantage estimator sees of one rollout, rows in groups of the samples of one prompt.
 *
 * @param scores the reward r(x, y) of each row
 * @param klPenalty the per-token KL penalty −β·KL_t of each row (all 0 when the KL is a loss term
 *     instead), [rows][time]
 * @param mask 1 for response tokens, [rows][time]; each row has at least one
 * @param groups the group (prompt) of each row; rows of a group need not be adjacent
 * @param values V(s_t) of the critic at rollout time, or null without a critic
 */
public record EstimatorInput(
    double[] scores, double[][] klPenalty, double[][] mask, int[] groups, double[][] values) {

  /** Validates the shapes. */
  public EstimatorInput {
    Masked.checkShapes(klPenalty, mask);
    checkArgument(scores.length == mask.length, "one score per row expected");
    checkArgument(groups.length == mask.length, "one group per row expected");
    if (values != null) {
      Masked.checkShapes(values, mask);
    }
  }

  /** The number of rows. */
  public int size() {
    return scores.length;
  }

  /**
   * Per-token rewards R_t: the KL penalty at every response token with {@code scores[b]} added at
   * the row's last response token (InstructGPT's shaping; {@code scores} may be baselined first).
   */
  public double[][] tokenRewards(double[] scores) {
    double[][] rewards = new double[size()][];
    for (int b = 0; b < size(); b++) {
      rewards[b] = new double[mask[b].length];
      int last = -1;
      for (int t = 0; t < mask[b].length; t++) {
        if (mask[b][t] != 0) {
          rewards[b][t] = klPenalty[b][t];
          last = t;
        }
      }
      checkArgument(last >= 0, "row %s has no response token", b);
      rewards[b][last] += scores[b];
    }
    return rewards;
  }

  /** Each row's sequence reward: its score plus its summed KL penalty. */
  public double[] sequenceRewards() {
    double[] out = scores.clone();
    for (int b = 0; b < size(); b++) {
      for (int t = 0; t < mask[b].length; t++) {
        out[b] += mask[b][t] * klPenalty[b][t];
      }
    }
    return out;
  }

  /** {@code perRow[b]} at every response token of row b, 0 elsewhere. */
  public double[][] broadcast(double[] perRow) {
    double[][] out = new double[size()][];
    for (int b = 0; b < size(); b++) {
      out[b] = new double[mask[b].length];
      for (int t = 0; t < mask[b].length; t++) {
        out[b][t] = mask[b][t] * perRow[b];
      }
    }
    return out;
  }
}
