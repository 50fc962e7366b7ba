package io.rlhf4j.bench;

import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/** The prompts and the programmatic reward of the stories260K PPO benchmarks. */
final class StoryPrompts {
  private StoryPrompts() {}

  /** {@code n} prompts alternating "Once upon a time" and "Lily", with BOS. */
  static List<int[]> of(Tokenizer tokenizer, int n) {
    List<int[]> prompts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      prompts.add(tokenizer.encode(i % 2 == 0 ? "Once upon a time" : "Lily", true));
    }
    return prompts;
  }

  /** A tenth of the count of the letter e in the response: cheap, and it depends on every token. */
  static RewardModel letterE(Tokenizer tokenizer) {
    return (p, responses) ->
        responses.stream()
            .mapToDouble(r -> tokenizer.decode(r).chars().filter(c -> c == 'e').count() / 10.0)
            .toArray();
  }
}
