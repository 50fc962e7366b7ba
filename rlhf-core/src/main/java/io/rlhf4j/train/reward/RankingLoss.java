package io.rlhf4j.train.reward;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.train.LogSigmoid;
import java.util.List;

/**
 * The reward model's pairwise ranking loss, InstructGPT eq. (1), in plain double precision. This is
 * the reference the tensor implementation is tested against.
 *
 * <pre>
 *   loss(θ) = − 1/C(K,2) · Σ_{(y_w, y_l)} log σ( r_θ(x, y_w) − r_θ(x, y_l) − m )
 * </pre>
 *
 * <p>For one prompt with K ranked responses, every ordered pair with y_w ranked strictly above y_l
 * contributes; the sum is divided by that prompt's number of pairs (C(K,2) without ties), so each
 * prompt weighs the same whatever its K. Tied ranks give no pair. The margin m (0 when absent) is
 * Llama 2's: a clearer preference must be won by a wider reward gap. A batch averages over the
 * prompts that have at least one pair.
 */
public final class RankingLoss {
  private RankingLoss() {}

  /**
   * The loss of one prompt.
   *
   * @param rewards r_θ(x, y_i) for each of the K responses
   * @param ranks rank of each response (1 best, equal ranks tie)
   * @param margin m ≥ 0
   * @return the normalised loss, or 0 when every response ties (no pair)
   */
  public static double promptLoss(double[] rewards, List<Integer> ranks, double margin) {
    checkRanking(rewards, ranks, margin);
    double sum = 0;
    int pairs = 0;
    for (int w = 0; w < rewards.length; w++) {
      for (int l = 0; l < rewards.length; l++) {
        if (ranks.get(w) < ranks.get(l)) {
          sum += -LogSigmoid.of(rewards[w] - rewards[l] - margin);
          pairs++;
        }
      }
    }
    return pairs == 0 ? 0 : sum / pairs;
  }

  /**
   * ∂loss/∂r_i for one prompt: each pair adds −σ(−d)/P to its winner and +σ(−d)/P to its loser,
   * with d = r_w − r_l − m and P the number of pairs. Used as an independent gradient oracle.
   */
  public static double[] promptLossGradient(double[] rewards, List<Integer> ranks, double margin) {
    checkRanking(rewards, ranks, margin);
    double[] grad = new double[rewards.length];
    int pairs = 0;
    for (int w = 0; w < rewards.length; w++) {
      for (int l = 0; l < rewards.length; l++) {
        if (ranks.get(w) < ranks.get(l)) {
          double g = LogSigmoid.sigmoid(-(rewards[w] - rewards[l] - margin));
          grad[w] -= g;
          grad[l] += g;
          pairs++;
        }
      }
    }
    if (pairs > 0) {
      for (int i = 0; i < grad.length; i++) {
        grad[i] /= pairs;
      }
    }
    return grad;
  }

  /**
   * The mean loss over a batch of prompts, counting only prompts with at least one pair.
   *
   * @param rewards per prompt, the K rewards
   * @param ranks per prompt, the K ranks
   * @param margins per prompt, the margin (0 for none)
   */
  public static double batchLoss(
      List<double[]> rewards, List<List<Integer>> ranks, double[] margins) {
    checkArgument(rewards.size() == ranks.size(), "rewards and ranks differ in batch size");
    checkArgument(rewards.size() == margins.length, "rewards and margins differ in batch size");
    double sum = 0;
    int prompts = 0;
    for (int i = 0; i < rewards.size(); i++) {
      if (hasPair(ranks.get(i))) {
        sum += promptLoss(rewards.get(i), ranks.get(i), margins[i]);
        prompts++;
      }
    }
    checkArgument(prompts > 0, "no prompt in the batch has a strict preference");
    return sum / prompts;
  }

  /**
   * Pairwise accuracy: the fraction of (y_w, y_l) pairs, pooled over the batch, with r_w > r_l. A
   * tie in reward counts as half right, so a constant model scores exactly 0.5.
   */
  public static double accuracy(List<double[]> rewards, List<List<Integer>> ranks) {
    double right = 0;
    long pairs = 0;
    for (int i = 0; i < rewards.size(); i++) {
      double[] r = rewards.get(i);
      List<Integer> rank = ranks.get(i);
      checkRanking(r, rank, 0);
      for (int w = 0; w < r.length; w++) {
        for (int l = 0; l < r.length; l++) {
          if (rank.get(w) < rank.get(l)) {
            right += r[w] > r[l] ? 1 : r[w] == r[l] ? 0.5 : 0;
            pairs++;
          }
        }
      }
    }
    checkArgument(pairs > 0, "no strict preference in the batch");
    return right / pairs;
  }

  private static boolean hasPair(List<Integer> ranks) {
    return ranks.stream().distinct().count() > 1;
  }

  private static void checkRanking(double[] rewards, List<Integer> ranks, double margin) {
    checkArgument(rewards.length >= 2, "a ranking needs K >= 2 rewards, got %s", rewards.length);
    checkArgument(
        ranks.size() == rewards.length, "%s ranks for %s rewards", ranks.size(), rewards.length);
    checkArgument(margin >= 0 && Double.isFinite(margin), "margin must be >= 0: %s", margin);
  }
}
