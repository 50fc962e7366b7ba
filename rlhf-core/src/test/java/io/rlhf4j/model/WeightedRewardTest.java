package io.rlhf4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Several rewards as one: the weighted sum, each reported apart, none called twice. */
class WeightedRewardTest {
  // One token per character, as the text reward's test reads text.
  private static final Tokenizer CHARS = TextRewardModelTest.CHARS;

  @Test
  void theRewardIsTheWeightedSumAndEachTermIsReportedWithoutASecondCall() {
    AtomicInteger calls = new AtomicInteger();
    WeightedReward r =
        new WeightedReward(
            CHARS,
            List.of(
                WeightedReward.Term.of("dog", 1.0, (p, s) -> s.contains("dog") ? 1 : 0),
                WeightedReward.Term.of(
                    "short",
                    0.5,
                    (p, s) -> {
                      calls.incrementAndGet();
                      return -s.length() / 10.0;
                    }),
                WeightedReward.Term.of("echo", 0, (p, s) -> s.startsWith(p) ? 1 : 0)));
    // "a dog" (5 chars): 1 + 0.5·(−0.5) = 0.75; "abc" after "ab" (3 chars): 0 + 0.5·(−0.3) = −0.15,
    // and its echo term (1) counts for nothing.
    double[] s =
        r.score(
            List.of(CHARS.encode("x", true), CHARS.encode("ab", true)),
            List.of(CHARS.encode("a dog", false), CHARS.encode("abc", false)));
    assertThat(s[0]).isEqualTo(0.75);
    assertThat(s[1]).isCloseTo(-0.15, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(calls).hasValue(2);
    assertThat(r.term("echo").applyAsDouble("ab", "abc")).isEqualTo(1);
    assertThat(r.term("short").applyAsDouble("x", "a dog")).isEqualTo(-0.5);
    assertThat(calls).hasValue(2); // from the last batch, not called again
    assertThat(r.term("short").applyAsDouble("q", "twelve chars")).isEqualTo(-1.2);
    assertThat(calls).hasValue(3); // a pair it has not scored is computed
    assertThat(r.toString()).isEqualTo("[dog×1.0, short×0.5, echo×0.0]");
  }

  @Test
  void aSumWithNothingToOptimiseOrTwoTermsOfOneNameIsRefused() {
    assertThatThrownBy(
            () -> new WeightedReward(CHARS, List.of(WeightedReward.Term.of("a", 0, (p, s) -> 1))))
        .hasMessageContaining("nothing to optimise");
    assertThatThrownBy(
            () ->
                new WeightedReward(
                    CHARS,
                    List.of(
                        WeightedReward.Term.of("a", 1, (p, s) -> 1),
                        WeightedReward.Term.of("a", 2, (p, s) -> 2))))
        .hasMessageContaining("two rewards are named a");
  }
}
