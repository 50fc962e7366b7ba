package io.rlhf4j.label;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.data.EpisodeDemonstration;
import java.util.List;

/**
 * One prompt and its K responses, waiting to be ranked by people.
 *
 * @param id the item's position in its round, from 0
 * @param prompt the prompt text
 * @param responses the K ≥ 2 responses, in the order rankings refer to
 * @param truncated for each response, whether it was cut off at the length cap
 * @param turns for episodes, each response's turns (the policy's and the environment's, whose tool
 *     results the page sets apart so a labeler can check them); empty for plain responses
 */
public record LabelItem(
    int id,
    String prompt,
    List<String> responses,
    List<Boolean> truncated,
    List<List<EpisodeDemonstration.Turn>> turns) {
  /** Copies the lists and checks their sizes. */
  public LabelItem {
    responses = List.copyOf(responses);
    truncated = List.copyOf(truncated);
    turns = turns.stream().map(List::copyOf).toList();
    checkArgument(
        turns.isEmpty() || turns.size() == responses.size(), "turns for every response or none");
    checkArgument(id >= 0, "id must be >= 0");
    checkArgument(responses.size() >= 2, "an item needs K >= 2 responses");
    checkArgument(truncated.size() == responses.size(), "one truncated flag per response");
  }

  /** An item of plain responses. */
  public LabelItem(int id, String prompt, List<String> responses, List<Boolean> truncated) {
    this(id, prompt, responses, truncated, List.of());
  }

  /** This item as the {@code id}-th of its round. */
  public LabelItem withId(int id) {
    return new LabelItem(id, prompt, responses, truncated, turns);
  }
}
