package io.rlhf4j.djl.train.reward;

import io.rlhf4j.data.Ranking;
import io.rlhf4j.model.Tokenizer;
import io.rlhf4j.train.Examples;
import java.util.ArrayList;
import java.util.List;

/**
 * One ranking tokenized as every preference stage reads it: each response encoded with its own
 * prompt copy through {@link Examples#encode} (EOS only after a finished response), with the ranks
 * and the margin.
 *
 * @param prompts the encoded prompt, once per response
 * @param responses the encoded responses
 * @param ranks the rank of each response (0 best; ties share a rank)
 * @param margin the ranking's margin (0 when it has none)
 */
public record EncodedRanking(
    List<int[]> prompts, List<int[]> responses, List<Integer> ranks, double margin) {

  /** The rankings that hold a comparison (not all responses tied), encoded within maxLength. */
  public static List<EncodedRanking> encode(
      Tokenizer tokenizer, List<Ranking> rankings, int maxLength) {
    List<EncodedRanking> out = new ArrayList<>();
    for (Ranking r : rankings) {
      if (r.pairs().isEmpty()) {
        continue;
      }
      List<int[]> prompts = new ArrayList<>();
      List<int[]> responses = new ArrayList<>();
      for (int i = 0; i < r.k(); i++) {
        Examples.Example e =
            Examples.encode(tokenizer, r.prompt(), r.responses().get(i), r.truncated(i), maxLength);
        prompts.add(e.prompt());
        responses.add(e.response());
      }
      out.add(new EncodedRanking(prompts, responses, r.ranks(), r.margin().orElse(0)));
    }
    return out;
  }

  /** The prompts of a batch of rankings, flattened in order (one per response). */
  public static List<int[]> allPrompts(List<EncodedRanking> batch) {
    List<int[]> out = new ArrayList<>();
    batch.forEach(e -> out.addAll(e.prompts()));
    return out;
  }

  /** The responses of a batch of rankings, flattened in order. */
  public static List<int[]> allResponses(List<EncodedRanking> batch) {
    List<int[]> out = new ArrayList<>();
    batch.forEach(e -> out.addAll(e.responses()));
    return out;
  }

  /** The ranks of a batch. */
  public static List<List<Integer>> allRanks(List<EncodedRanking> batch) {
    return batch.stream().map(EncodedRanking::ranks).toList();
  }
}
