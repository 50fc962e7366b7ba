package io.rlhf4j.djl.internal.train;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.djl.train.Losses;
import java.util.ArrayList;
import java.util.List;

/**
 * Flattens a batch of rankings for the ranking loss: all K responses of every prompt sit in one
 * forward batch (as InstructGPT did, so the C(K,2) comparisons of a prompt share one forward pass
 * and never straddle batches), and every ordered pair becomes an index pair into that flat list.
 */
public final class RankingBatch {
  private RankingBatch() {}

  /**
   * The pairs of rankings laid out back to back: prompt p's responses occupy indices offset_p ..
   * offset_p + K_p − 1. Each pair weighs 1 / (pairs of its prompt × prompts with a pair).
   *
   * @param ranks per prompt, the rank of each response
   * @param margins per prompt, the margin of its pairs
   */
  public static Losses.PairIndex pairIndex(List<List<Integer>> ranks, double[] margins) {
    checkArgument(ranks.size() == margins.length, "one margin per prompt expected");
    List<long[]> pairs = new ArrayList<>();
    List<Integer> promptOf = new ArrayList<>();
    int[] pairCounts = new int[ranks.size()];
    long offset = 0;
    for (int p = 0; p < ranks.size(); p++) {
      List<Integer> r = ranks.get(p);
      for (int w = 0; w < r.size(); w++) {
        for (int l = 0; l < r.size(); l++) {
          if (r.get(w) < r.get(l)) {
            pairs.add(new long[] {offset + w, offset + l});
            promptOf.add(p);
            pairCounts[p]++;
          }
        }
      }
      offset += r.size();
    }
    long prompts = java.util.Arrays.stream(pairCounts).filter(c -> c > 0).count();
    checkArgument(prompts > 0, "no prompt in the batch has a strict preference");
    int n = pairs.size();
    long[] winners = new long[n];
    long[] losers = new long[n];
    float[] weights = new float[n];
    float[] pairMargins = new float[n];
    for (int i = 0; i < n; i++) {
      int p = promptOf.get(i);
      winners[i] = pairs.get(i)[0];
      losers[i] = pairs.get(i)[1];
      weights[i] = (float) (1.0 / (pairCounts[p] * (double) prompts));
      pairMargins[i] = (float) margins[p];
    }
    return new Losses.PairIndex(winners, losers, weights, pairMargins);
  }
}
