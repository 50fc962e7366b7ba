package io.rlhf4j.label;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;

/**
 * One prompt and its K responses, waiting to be ranked by people.
 *
 * @param id the item's position in its round, from 0
 * @param prompt the prompt text
 * @param responses the K ≥ 2 responses, in the order rankings refer to
 * @param truncated for each response, whether it was cut off at the length cap
 */
public record LabelItem(int id, String prompt, List<String> responses, List<Boolean> truncated) {
  /** Copies the lists and checks their sizes. */
  public LabelItem {
    responses = List.copyOf(responses);
    truncated = List.copyOf(truncated);
    checkArgument(id >= 0, "id must be >= 0");
    checkArgument(responses.size() >= 2, "an item needs K >= 2 responses");
    checkArgument(truncated.size() == responses.size(), "one truncated flag per response");
  }
}
