package io.rlhf4j.data.read;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The names of the fields {@link Jsonl} reads, so a user's own files are read as they are: TRL's
 * {@code chosen}/{@code rejected}, a {@code question}/{@code answer} set, or PRD's {@code
 * answer_a}/{@code answer_b} with an {@code overall_preference} label.
 *
 * @param prompt the prompt (every format)
 * @param response a demonstration's response
 * @param chosen a comparison's preferred response
 * @param rejected a comparison's other response
 * @param responses a ranking's list of responses
 * @param ranks a ranking's list of ranks (1 is best)
 * @param first a labelled pair's first response
 * @param second a labelled pair's second response
 * @param label a labelled pair's preference: negative prefers {@code first}, positive {@code
 *     second}, zero is a tie
 * @param messages a conversation's list of {@code {role, content}} messages
 */
public record FieldNames(
    String prompt,
    String response,
    String chosen,
    String rejected,
    String responses,
    String ranks,
    String first,
    String second,
    String label,
    String messages) {

  /** rlhf4j's own names (README, "Preference data"). */
  public static final FieldNames DEFAULT =
      new FieldNames(
          "prompt",
          "response",
          "chosen",
          "rejected",
          "responses",
          "ranks",
          "response_a",
          "response_b",
          "preference",
          "messages");

  /** Checks that every name is a non-empty string. */
  public FieldNames {
    for (String name :
        new String[] {
          prompt, response, chosen, rejected, responses, ranks, first, second, label, messages
        }) {
      checkArgument(name != null && !name.isBlank(), "a field name must not be empty");
    }
  }

  /** These names with the prompt's field renamed. */
  public FieldNames withPrompt(String v) {
    return new FieldNames(
        v, response, chosen, rejected, responses, ranks, first, second, label, messages);
  }

  /** These names with the demonstration response's field renamed. */
  public FieldNames withResponse(String v) {
    return new FieldNames(
        prompt, v, chosen, rejected, responses, ranks, first, second, label, messages);
  }

  /** These names with a comparison's two fields renamed. */
  public FieldNames withComparison(String chosenField, String rejectedField) {
    return new FieldNames(
        prompt,
        response,
        chosenField,
        rejectedField,
        responses,
        ranks,
        first,
        second,
        label,
        messages);
  }

  /** These names with a ranking's two fields renamed. */
  public FieldNames withRanking(String responsesField, String ranksField) {
    return new FieldNames(
        prompt,
        response,
        chosen,
        rejected,
        responsesField,
        ranksField,
        first,
        second,
        label,
        messages);
  }

  /** These names with a conversation's field renamed. */
  public FieldNames withMessages(String v) {
    return new FieldNames(
        prompt, response, chosen, rejected, responses, ranks, first, second, label, v);
  }

  /** These names with a labelled pair's three fields renamed. */
  public FieldNames withPair(String firstField, String secondField, String labelField) {
    return new FieldNames(
        prompt,
        response,
        chosen,
        rejected,
        responses,
        ranks,
        firstField,
        secondField,
        labelField,
        messages);
  }
}
