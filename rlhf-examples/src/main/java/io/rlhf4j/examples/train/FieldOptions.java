package io.rlhf4j.examples.train;

import io.rlhf4j.data.read.FieldNames;
import picocli.CommandLine.Option;

/** The {@code --*-field} options: what the user's JSONL calls each field rlhf4j reads. */
public final class FieldOptions {
  private static final FieldNames D = FieldNames.DEFAULT;

  @Option(
      names = "--prompt-field",
      description = "the prompt's field in every file (default: ${DEFAULT-VALUE})")
  String prompt = D.prompt();

  // One prompt field for every file fails where the files come from different places (README's
  // PRD recipe: demonstrations say "prompt", PRD's pairs "question").
  @Option(
      names = "--preference-prompt-field",
      description = "the prompt's field in the preferences file (default: --prompt-field)")
  String preferencePrompt;

  @Option(
      names = "--prompts-field",
      description = "the prompt's field in a JSONL prompts file (default: --prompt-field)")
  String promptsPrompt;

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

  /** The names as the readers take them, for demonstrations. */
  public FieldNames names() {
    return new FieldNames(
        prompt, response, chosen, rejected, responses, ranks, first, second, label, messages);
  }

  /** The names for the preferences file. */
  public FieldNames preferenceNames() {
    return preferencePrompt == null ? names() : names().withPrompt(preferencePrompt);
  }

  /** The names for a JSONL prompts file. */
  public FieldNames promptsNames() {
    return promptsPrompt == null ? names() : names().withPrompt(promptsPrompt);
  }
}
