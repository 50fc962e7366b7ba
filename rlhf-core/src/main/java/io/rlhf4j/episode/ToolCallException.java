package io.rlhf4j.episode;

/**
 * A tool call the environment cannot run as written: unknown tool, arguments that do not parse or
 * do not match the tool's parameters. Its message becomes the observation the policy sees.
 */
public final class ToolCallException extends Exception {
  private static final long serialVersionUID = 1L;

  /** With the message the policy will read. */
  public ToolCallException(String message) {
    super(message);
  }
}
