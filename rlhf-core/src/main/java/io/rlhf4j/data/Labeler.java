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
   * Ranks a whole round at once, as people working through a queue do. The default asks {@link
   * #rank} for each in turn. A labeler that waits for people may return fewer rankings than
   * requests (prompts skipped, or a deadline passed); each returned ranking has the prompt and
   * responses of one request, in their order.
   *
   * @param requests each a prompt and its K responses
   */
  default List<Ranking> rankAll(List<Request> requests) {
    List<Ranking> out = new java.util.ArrayList<>(requests.size());
    for (Request r : requests) {
      out.add(rank(r.prompt(), r.responses()));
    }
    return out;
  }

  /**
   * One prompt and the responses to rank.
   *
   * @param prompt the prompt text
   * @param responses the K ≥ 2 responses, in the order the ranking must keep
   * @param truncated for each response, whether it was cut off at the length cap (people see it)
   */
  record Request(String prompt, List<String> responses, List<Boolean> truncated) {
    /** Copies the lists. */
    public Request {
      responses = List.copyOf(responses);
      truncated = List.copyOf(truncated);
      if (truncated.size() != responses.size()) {
        throw new IllegalArgumentException("one truncated flag per response");
      }
    }

    /** A request for finished responses. */
    public Request(String prompt, List<String> responses) {
      this(prompt, responses, java.util.Collections.nCopies(responses.size(), false));
    }
  }

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
