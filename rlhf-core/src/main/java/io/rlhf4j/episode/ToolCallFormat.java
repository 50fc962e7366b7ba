package io.rlhf4j.episode;

import java.util.List;

/**
 * How a model family writes tool calls and reads their results: the text its chat template renders
 * with {@code tools=}. The environment parses the policy's turn with it and writes the results back
 * with it, so the policy sees exactly the layout it was (or will be) trained on.
 */
public interface ToolCallFormat {
  /** The calls in one policy turn. Never throws: what does not parse is an error in the result. */
  ParsedTurn parse(String turn);

  /** How the policy writes {@code call} (for demonstration episodes). */
  String callText(ToolCall call);

  /**
   * The environment's text after a policy turn that called tools, one result per call in order:
   * everything up to where the policy writes again (role headers included for chat formats).
   */
  String observation(List<String> results);

  /**
   * The tools described for a model without a chat template to put them in (a template renders them
   * itself, from {@link Tool#schema()}).
   */
  String describe(List<Tool> tools);
}
