package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;

/**
 * K ranked episodes for one prompt: each response is its turns (the policy's and the
 * environment's), so that a preference trainer learns from the policy's turns only while the
 * environment's stay context.
 *
 * @param prompt the episodes' prompt
 * @param episodes each episode's turns after the prompt
 * @param ranks each episode's rank, 1 best, ties sharing a rank
 */
public record EpisodeRanking(
    String prompt, List<List<EpisodeDemonstration.Turn>> episodes, List<Integer> ranks) {
  /** Validates and copies. */
  public EpisodeRanking {
    checkNotNull(prompt, "prompt");
    episodes = episodes.stream().map(List::copyOf).toList();
    ranks = List.copyOf(ranks);
    checkArgument(episodes.size() >= 2, "a ranking needs K >= 2 episodes");
    checkArgument(ranks.size() == episodes.size(), "one rank per episode");
  }

  /** Episode {@code i} as a demonstration, for encoding. */
  public EpisodeDemonstration demonstration(int i) {
    return new EpisodeDemonstration(prompt, episodes.get(i));
  }

  /** The ranking of the episodes' joined texts, as a reward model reads it. */
  public Ranking asText() {
    return Ranking.of(
        prompt,
        episodes.stream()
            .map(e -> e.stream().map(EpisodeDemonstration.Turn::text).reduce("", String::concat))
            .toList(),
        ranks);
  }
}
