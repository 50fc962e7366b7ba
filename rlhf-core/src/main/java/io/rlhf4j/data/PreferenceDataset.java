package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Human preference data for reward-model training: a sequence of {@link Ranking}s. Pairwise
 * comparisons are rankings with K = 2, so one type serves both InstructGPT's K-wise data and the
 * pairwise data most public sets ship.
 */
public interface PreferenceDataset extends Iterable<Ranking> {

  /** The number of rankings (prompts). */
  int size();

  /** The ranking at {@code index}. */
  Ranking get(int index);

  /** The rankings in order. */
  default Stream<Ranking> stream() {
    return java.util.stream.IntStream.range(0, size()).mapToObj(this::get);
  }

  @Override
  default java.util.Iterator<Ranking> iterator() {
    return stream().iterator();
  }

  /** The total number of ordered (winner, loser) pairs over all rankings. */
  default long pairCount() {
    return stream().mapToLong(r -> r.pairs().size()).sum();
  }

  /**
   * A seeded random split into a training part and a held-out part of {@code heldOutFraction} of
   * the rankings. Whole rankings move together, so no prompt's responses straddle the split.
   */
  default Split split(double heldOutFraction, long seed) {
    checkArgument(
        heldOutFraction > 0 && heldOutFraction < 1,
        "heldOutFraction must be in (0, 1): %s",
        heldOutFraction);
    List<Ranking> all = new ArrayList<>(stream().toList());
    Collections.shuffle(all, new Random(seed));
    int heldOut = Math.max(1, (int) Math.round(all.size() * heldOutFraction));
    checkArgument(heldOut < all.size(), "dataset of %s rankings is too small to split", size());
    return new Split(of(all.subList(heldOut, all.size())), of(all.subList(0, heldOut)));
  }

  /** An in-memory dataset over a copy of {@code rankings}. */
  static PreferenceDataset of(List<Ranking> rankings) {
    List<Ranking> copy = List.copyOf(rankings);
    return new PreferenceDataset() {
      @Override
      public int size() {
        return copy.size();
      }

      @Override
      public Ranking get(int index) {
        return copy.get(index);
      }
    };
  }

  /** An in-memory dataset of pairwise comparisons, each as a K = 2 ranking. */
  static PreferenceDataset ofComparisons(List<Comparison> comparisons) {
    return of(comparisons.stream().map(Comparison::toRanking).toList());
  }

  /** A train / held-out pair of datasets. */
  record Split(PreferenceDataset train, PreferenceDataset heldOut) {}
}
