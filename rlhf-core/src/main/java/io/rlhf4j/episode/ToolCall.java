package io.rlhf4j.episode;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * One call the policy wrote: the tool's name and its arguments.
 *
 * @param name the tool called
 * @param arguments its arguments, in the order written
 */
public record ToolCall(String name, ToolArguments arguments) {
  /** Validates. */
  public ToolCall {
    checkNotNull(name, "name");
    checkNotNull(arguments, "arguments");
  }
}
