package io.rlhf4j.episode;

/**
 * What a {@link Tool} does: the caller's own Java code, given the call's arguments, returning the
 * text the policy will read. Anything it throws becomes an observation, not a crash.
 */
@FunctionalInterface
public interface ToolFunction {
  /** Runs the call. */
  String call(ToolArguments arguments) throws Exception;
}
