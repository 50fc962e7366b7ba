package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A labeler's ranking of K responses to one prompt, the unit of InstructGPT's reward-model data
 * (§3.5): every pair (y_w, y_l) with y_w ranked above y_l becomes one comparison.
 *
 * <p>Ranks follow the usual convention: 1 is best, larger is worse, and equal ranks are ties. Ties
 * produce no pair. Ranks need not be dense ({@code [1, 3, 3]} is fine).
 *
 * <p>A response may be empty (a model that stopped at once gave a real, judged answer) and may be
 * {@linkplain #truncated() truncated}: sampled responses that hit the length cap are ranked as the
 * labeler saw them, and the reward model reads them without EOS, exactly as PPO later presents such
 * a response to it.
 *
 * @param prompt the shared context
 * @param responses the K ≥ 2 responses
 * @param ranks the rank of each response, same length as {@code responses}
 * @param margin an optional margin applied to every pair of this ranking
 * @param truncated for each response, whether it was cut off at a length limit instead of finished;
 *     same length as {@code responses}
 */
public record Ranking(
    String prompt,
    List<String> responses,
    List<Integer> ranks,
    OptionalDouble margin,
    List<Boolean> truncated) {

  /** Validates on construction and copies the lists. */
  public Ranking {
    checkNotNull(prompt, "prompt");
    checkNotNull(responses, "responses");
    checkNotNull(ranks, "ranks");
    checkNotNull(margin, "margin");
    checkNotNull(truncated, "truncated");
    responses = List.copyOf(responses);
    ranks = List.copyOf(ranks);
    truncated = List.copyOf(truncated);
    checkArgument(
        responses.size() >= 2, "a ranking needs K >= 2 responses, got %s", responses.size());
    checkArgument(
        ranks.size() == responses.size(),
        "ranks has %s entries but there are %s responses",
        ranks.size(),
        responses.size());
    for (int rank : ranks) {
      checkArgument(rank >= 1, "ranks start at 1 (best), got %s", rank);
    }
    margin.ifPresent(
        m -> checkArgument(Double.isFinite(m) && m >= 0, "margin must be >= 0: %s", m));
    checkArgument(
        truncated.size() == responses.size(),
        "truncated has %s entries but there are %s responses",
        truncated.size(),
        responses.size());
  }

  /** A ranking of finished responses (text people write). */
  public Ranking(
      String prompt, List<String> responses, List<Integer> ranks, OptionalDouble margin) {
    this(prompt, responses, ranks, margin, finished(responses.size()));
  }

  /** A ranking of finished responses without margin. */
  public static Ranking of(String prompt, List<String> responses, List<Integer> ranks) {
    return new Ranking(prompt, responses, ranks, OptionalDouble.empty());
  }

  /** This ranking with the given truncation flags (one per response). */
  public Ranking withTruncated(List<Boolean> flags) {
    return new Ranking(prompt, responses, ranks, margin, flags);
  }

  /** Whether response {@code i} was cut off at a length limit. */
  public boolean truncated(int i) {
    return truncated.get(i);
  }

  /** Whether any response was cut off. */
  public boolean anyTruncated() {
    return truncated.contains(true);
  }

  private static List<Boolean> finished(int k) {
    return java.util.Collections.nCopies(k, false);
  }

  /** The number of ranked responses. */
  public int k() {
    return responses.size();
  }

  /**
   * Every ordered pair (winner, loser) of response indices with winner ranked strictly above loser;
   * C(K,2) pairs when there are no ties.
   */
  public List<RankedPair> pairs() {
    List<RankedPair> pairs = new ArrayList<>();
    for (int i = 0; i < k(); i++) {
      for (int j = 0; j < k(); j++) {
        if (ranks.get(i) < ranks.get(j)) {
          pairs.add(new RankedPair(i, j));
        }
      }
    }
    return pairs;
  }

  /** Indices of a preferred and a dispreferred response within one ranking. */
  public record RankedPair(int winner, int loser) {}
}
