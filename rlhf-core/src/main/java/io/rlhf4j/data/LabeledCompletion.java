package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One completion judged on its own, good or bad, with no other response to compare it with: KTO's
 * unpaired data (a thumbs up or down on a single answer, the feedback an application collects most
 * easily).
 *
 * @param prompt the context
 * @param completion the response
 * @param desirable whether the judge wanted it
 */
public record LabeledCompletion(String prompt, String completion, boolean desirable) {
  /** Validates. */
  public LabeledCompletion {
    checkNotNull(prompt, "prompt");
    checkNotNull(completion, "completion");
  }

  /**
   * Unpaired data from rankings, as TRL turns pairs into KTO's layout: each ranking's best-ranked
   * responses desirable and its worst-ranked undesirable; the ones between, and all-tied rankings,
   * are left out.
   */
  public static List<LabeledCompletion> fromRankings(List<Ranking> rankings) {
    List<LabeledCompletion> out = new ArrayList<>();
    for (Ranking r : rankings) {
      int best = Collections.min(r.ranks());
      int worst = Collections.max(r.ranks());
      if (best == worst) {
        continue;
      }
      for (int i = 0; i < r.k(); i++) {
        int rank = r.ranks().get(i);
        if (rank == best || rank == worst) {
          out.add(new LabeledCompletion(r.prompt(), r.responses().get(i), rank == best));
        }
      }
    }
    return out;
  }
}
