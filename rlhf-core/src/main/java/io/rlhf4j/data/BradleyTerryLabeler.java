package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
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
 * <p>Each ranking is drawn from its own stream, seeded by the labeler's seed and the prompt and
 * responses it ranks: the same item always gets the same ranking, whatever was ranked before it. A
 * run resumed after its first round's labels were saved therefore ranks the second round exactly as
 * an uninterrupted run does (one shared stream would have been left unadvanced by the labels read
 * back from disk). Thread-safe.
 */
public final class BradleyTerryLabeler implements Labeler {
  private final ToDoubleBiFunction<String, String> score;
  private final double temperature;
  private final long seed;

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
    this.seed = seed;
  }

  @Override
  public Ranking rank(String prompt, List<String> responses) {
    checkArgument(responses.size() >= 2, "need at least 2 responses, got %s", responses.size());
    int k = responses.size();
    double[] logits = new double[k];
    for (int i = 0; i < k; i++) {
      double s = score.applyAsDouble(prompt, responses.get(i));
      checkArgument(Double.isFinite(s), "the score of response %s is %s", i, (Object) s);
      logits[i] = s / temperature;
    }
    SplittableRandom random = new SplittableRandom(streamSeed(prompt, responses));
    Integer[] ranks = new Integer[k];
    List<Integer> left = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      left.add(i);
    }
    for (int place = 1; place <= k; place++) {
      int chosen = draw(left, logits, random);
      ranks[chosen] = place;
      left.remove(Integer.valueOf(chosen));
    }
    return Ranking.of(prompt, responses, Arrays.asList(ranks));
  }

  // The seed of this item's stream: a stable hash of the labeler's seed and the item, lengths
  // included so that no two items run together.
  private long streamSeed(String prompt, List<String> responses) {
    Hasher h = Hashing.murmur3_128().newHasher().putLong(seed);
    h.putInt(prompt.length()).putString(prompt, StandardCharsets.UTF_8);
    for (String r : responses) {
      h.putInt(r.length()).putString(r, StandardCharsets.UTF_8);
    }
    return h.hash().asLong();
  }

  // Inverse-CDF draw from softmax over the remaining logits (shifted by the max for stability).
  private static int draw(List<Integer> left, double[] logits, SplittableRandom random) {
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
