package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;
import java.util.OptionalDouble;

/**
 * One pairwise human judgement: for {@code prompt}, {@code chosen} was preferred to {@code
 * rejected}.
 *
 * @param prompt the shared context
 * @param chosen the preferred response
 * @param rejected the dispreferred response
 * @param margin how strongly the labeler preferred {@code chosen} (Llama 2's margin term), if
 *     known; the ranking loss then requires {@code r_chosen - r_rejected} to exceed it
 */
public record Comparison(String prompt, String chosen, String rejected, OptionalDouble margin) {
  /** Validates on construction. */
  public Comparison {
    checkNotNull(prompt, "prompt");
    checkNotNull(chosen, "chosen");
    checkNotNull(rejected, "rejected");
    checkNotNull(margin, "margin");
    margin.ifPresent(
        m -> checkArgument(Double.isFinite(m) && m >= 0, "margin must be >= 0: %s", m));
  }

  /** A comparison without a margin. */
  public static Comparison of(String prompt, String chosen, String rejected) {
    return new Comparison(prompt, chosen, rejected, OptionalDouble.empty());
  }

  /** The same judgement as a K = 2 ranking. */
  public Ranking toRanking() {
    return new Ranking(prompt, List.of(chosen, rejected), List.of(1, 2), margin);
  }
}
