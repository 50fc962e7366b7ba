package io.rlhf4j.episode;

import java.util.List;

/**
 * What a {@link ToolCallFormat} read in one policy turn: the calls it could parse, and one message
 * for each block that looked like a call but did not parse (shown to the policy as observations).
 *
 * @param calls the calls, in the order written
 * @param errors what was wrong with each unparsable call
 */
public record ParsedTurn(List<ToolCall> calls, List<String> errors) {
  /** Copies. */
  public ParsedTurn {
    calls = List.copyOf(calls);
    errors = List.copyOf(errors);
  }

  /** Whether the turn tried to call anything: if not, it is the final answer. */
  public boolean callsTools() {
    return !calls.isEmpty() || !errors.isEmpty();
  }
}
