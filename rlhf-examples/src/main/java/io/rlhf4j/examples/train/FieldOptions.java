package io.rlhf4j.examples.train;

import io.rlhf4j.data.read.FieldNames;
import picocli.CommandLine.Option;

/** The {@code --*-field} options: what the user's JSONL calls each field rlhf4j reads. */
public final class FieldOptions {
  private static final FieldNames D = FieldNames.DEFAULT;

  @Option(names = "--prompt-field", description = "the prompt's field (default: ${DEFAULT-VALUE})")
  String prompt = D.prompt();

  @Option(
      names = "--response-field",
      description = "a demonstration's response (default: ${DEFAULT-VALUE})")
  String response = D.response();

  @Option(
      names = "--chosen-field",
      description = "comparisons: preferred (default: ${DEFAULT-VALUE})")
  String chosen = D.chosen();

  @Option(
      names = "--rejected-field",
      description = "comparisons: the other response (default: ${DEFAULT-VALUE})")
  String rejected = D.rejected();

  @Option(
      names = "--responses-field",
      description = "rankings: the list of responses (default: ${DEFAULT-VALUE})")
  String responses = D.responses();

  @Option(
      names = "--ranks-field",
      description = "rankings: their ranks, 1 best (default: ${DEFAULT-VALUE})")
  String ranks = D.ranks();

  @Option(
      names = "--first-field",
      description = "pairs: the first response (default: ${DEFAULT-VALUE})")
  String first = D.first();

  @Option(
      names = "--second-field",
      description = "pairs: the second response (default: ${DEFAULT-VALUE})")
  String second = D.second();

  @Option(
      names = "--label-field",
      description =
          "pairs: < 0 prefers the first, > 0 the second, 0 ties (default: ${DEFAULT-VALUE})")
  String label = D.label();

  @Option(
      names = "--messages-field",
      description = "with --chat: a conversation's messages (default: ${DEFAULT-VALUE})")
  String messages = D.messages();

  /** The names as the readers take them. */
  public FieldNames names() {
    return new FieldNames(
        prompt, response, chosen, rejected, responses, ranks, first, second, label, messages);
  }
}
