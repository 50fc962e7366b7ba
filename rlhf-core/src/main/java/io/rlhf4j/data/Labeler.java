package io.rlhf4j.data;

import java.util.List;

/**
 * Ranks K responses to a prompt, as InstructGPT's labelers did: a human behind a callback, or a
 * program (a simulated rater) in tests and demos. Iterated RLHF rounds call it on fresh samples of
 * the current policy.
 */
@FunctionalInterface
public interface Labeler {
  /**
   * @param prompt the prompt text
   * @param responses the K ≥ 2 responses
   * @return the ranking (1 best; equal ranks tie)
   */
  Ranking rank(String prompt, List<String> responses);

  /**
   * A labeler that ranks by a score, higher is better, equal scores tie.
   *
   * @param score the rater's judgement of one (prompt, response)
   */
  static Labeler byScore(java.util.function.ToDoubleBiFunction<String, String> score) {
    return (prompt, responses) -> {
      double[] s = responses.stream().mapToDouble(r -> score.applyAsDouble(prompt, r)).toArray();
      List<Integer> ranks = new java.util.ArrayList<>();
      for (int i = 0; i < s.length; i++) {
        int better = 0;
        for (double other : s) {
          if (other > s[i]) {
            better++;
          }
        }
        ranks.add(better + 1); // competition ranking: ties share the better rank
      }
      return Ranking.of(prompt, responses, ranks);
    };
  }
}
