package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleBiFunction;

/**
 * A simulated rater whose rankings are noisy the way human ones are: it has a hidden score s(x, y)
 * and ranks K responses by drawing from the Plackett-Luce model, the K-wise form of Bradley-Terry.
 * The best response is drawn with probability softmax(s / τ), then the best of the rest, and so on.
 * For K = 2 the preferred response is y₁ with probability σ((s₁ − s₂) / τ): exactly the
 * Bradley-Terry model the reward model's loss assumes. Small τ approaches {@link Labeler#byScore};
 * large τ approaches coin flips.
 *
 * <p>Draws come from one seeded stream, so a run with the same seed and the same calls gives the
 * same labels. Calls are serialised.
 */
public final class BradleyTerryLabeler implements Labeler {
  private final ToDoubleBiFunction<String, String> score;
  private final double temperature;
  private final SplittableRandom random;

  /**
   * @param score the rater's hidden judgement, higher is better
   * @param temperature τ > 0, the score difference that makes odds e : 1
   * @param seed the label stream's seed
   */
  public BradleyTerryLabeler(
      ToDoubleBiFunction<String, String> score, double temperature, long seed) {
    checkArgument(temperature > 0 && Double.isFinite(temperature), "temperature must be > 0");
    this.score = checkNotNull(score, "score");
    this.temperature = temperature;
    this.random = new SplittableRandom(seed);
  }

  @Override
  public synchronized Ranking rank(String prompt, List<String> responses) {
    checkArgument(responses.size() >= 2, "need at least 2 responses, got %s", responses.size());
    int k = responses.size();
    double[] logits = new double[k];
    for (int i = 0; i < k; i++) {
      double s = score.applyAsDouble(prompt, responses.get(i));
      checkArgument(Double.isFinite(s), "the score of response %s is %s", i, (Object) s);
      logits[i] = s / temperature;
    }
    Integer[] ranks = new Integer[k];
    List<Integer> left = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      left.add(i);
    }
    for (int place = 1; place <= k; place++) {
      int chosen = draw(left, logits);
      ranks[chosen] = place;
      left.remove(Integer.valueOf(chosen));
    }
    return Ranking.of(prompt, responses, Arrays.asList(ranks));
  }

  // Inverse-CDF draw from softmax over the remaining logits (shifted by the max for stability).
  private int draw(List<Integer> left, double[] logits) {
    double max = left.stream().mapToDouble(i -> logits[i]).max().orElseThrow();
    double total = 0;
    for (int i : left) {
      total += Math.exp(logits[i] - max);
    }
    double u = random.nextDouble() * total;
    for (int i : left) {
      u -= Math.exp(logits[i] - max);
      if (u < 0) {
        return i;
      }
    }
    return left.get(left.size() - 1);
  }
}
