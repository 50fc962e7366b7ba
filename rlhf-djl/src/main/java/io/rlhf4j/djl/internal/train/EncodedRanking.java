package io.rlhf4j.djl.internal.train;

import io.rlhf4j.data.EpisodeRanking;
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
 * @param trained for episodes, each response's trained flags (1 on the policy's tokens, 0 on the
 *     environment's); null when every response token is the policy's
 */
public record EncodedRanking(
    List<int[]> prompts,
    List<int[]> responses,
    List<Integer> ranks,
    double margin,
    List<double[]> trained) {

  /** A ranking of plain responses, every token the policy's. */
  public EncodedRanking(
      List<int[]> prompts, List<int[]> responses, List<Integer> ranks, double margin) {
    this(prompts, responses, ranks, margin, null);
  }

  /**
   * Ranked episodes, each encoded as episode SFT encodes it ({@link Examples#encode(Tokenizer,
   * io.rlhf4j.data.EpisodeDemonstration, int)}): the environment's tokens flagged 0.
   */
  public static List<EncodedRanking> encodeEpisodes(
      Tokenizer tokenizer, List<EpisodeRanking> rankings, int maxLength) {
    List<EncodedRanking> out = new ArrayList<>();
    for (EpisodeRanking r : rankings) {
      if (r.ranks().stream().distinct().count() < 2) {
        continue; // all tied: no comparison
      }
      List<int[]> prompts = new ArrayList<>();
      List<int[]> responses = new ArrayList<>();
      List<double[]> trained = new ArrayList<>();
      for (int i = 0; i < r.episodes().size(); i++) {
        Examples.Example e = Examples.encode(tokenizer, r.demonstration(i), maxLength);
        prompts.add(e.prompt());
        responses.add(e.response());
        trained.add(e.trained());
      }
      out.add(new EncodedRanking(prompts, responses, r.ranks(), 0, trained));
    }
    return out;
  }

  /** The trained flags of a batch, flattened in order (null entries: every token trained). */
  public static List<double[]> allTrained(List<EncodedRanking> batch) {
    List<double[]> out = new ArrayList<>();
    for (EncodedRanking e : batch) {
      for (int i = 0; i < e.responses().size(); i++) {
        out.add(e.trained() == null ? null : e.trained().get(i));
      }
    }
    return out;
  }

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
