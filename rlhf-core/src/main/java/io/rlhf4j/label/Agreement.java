package io.rlhf4j.label;

import java.util.List;

/**
 * How often two people who ranked the same responses agree on a pair of them: for every pair of
 * responses, both said the same one is better, or both tied them. InstructGPT reports about 73 %
 * between its labelers (Ouyang et al. 2022, section 5.1).
 *
 * @param items items ranked by at least two people
 * @param pairs response pairs compared, over all pairs of people on those items
 * @param agreed pairs on which they agreed
 */
public record Agreement(int items, int pairs, int agreed) {
  /** The share of compared pairs agreed on, or NaN when nothing was compared. */
  public double rate() {
    return pairs == 0 ? Double.NaN : (double) agreed / pairs;
  }

  /** The rate as a percentage, or "n/a" when no item was ranked twice. */
  public String describe() {
    return pairs == 0
        ? "n/a"
        : String.format(java.util.Locale.ROOT, "%.1f %% over %d items", 100 * rate(), items);
  }

  /** Agreement of two rankings of the same K responses, counted pair by pair. */
  static int[] compare(List<Integer> a, List<Integer> b) {
    int pairs = 0;
    int agreed = 0;
    for (int i = 0; i < a.size(); i++) {
      for (int j = i + 1; j < a.size(); j++) {
        pairs++;
        if (Integer.signum(a.get(i) - a.get(j)) == Integer.signum(b.get(i) - b.get(j))) {
          agreed++;
        }
      }
    }
    return new int[] {pairs, agreed};
  }
}
