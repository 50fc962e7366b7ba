package io.rlhf4j.episode;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An environment of tools: a turn that calls tools gets their results as the observation; a turn
 * that calls none is the final answer and ends the episode. Every bad call becomes an observation
 * the policy reads, never an exception, and is counted:
 *
 * <ul>
 *   <li>{@code tool_calls}: calls made (parsed or not);
 *   <li>{@code tool_unparsable}: calls whose text did not parse;
 *   <li>{@code tool_unknown}: calls of a tool that does not exist;
 *   <li>{@code tool_bad_arguments}: calls whose arguments did not fit the tool's parameters;
 *   <li>{@code tool_failed}: calls whose function threw;
 *   <li>{@code tool_timed_out}: calls that did not return within the time limit (the thread is left
 *       to finish on its own; the episode goes on).
 * </ul>
 */
public final class ToolEnvironment implements Environment {
  // Daemon threads: a tool that never returns must not keep the JVM alive.
  private static final ExecutorService CALLS =
      Executors.newCachedThreadPool(
          new ThreadFactoryBuilder().setDaemon(true).setNameFormat("rlhf4j-tool-%d").build());

  private final Map<String, Tool> tools = new LinkedHashMap<>();
  private final ToolCallFormat format;
  private final Duration timeout;
  private final Map<String, Double> counts = new LinkedHashMap<>();

  /**
   * @param tools the tools, by their names (distinct)
   * @param format how calls and results are written
   * @param timeout the longest a call may take
   */
  public ToolEnvironment(List<Tool> tools, ToolCallFormat format, Duration timeout) {
    for (Tool t : tools) {
      checkArgument(this.tools.put(t.name(), t) == null, "two tools named %s", t.name());
    }
    this.format = checkNotNull(format, "format");
    checkArgument(!timeout.isNegative() && !timeout.isZero(), "the timeout must be positive");
    this.timeout = timeout;
    for (String k :
        List.of(
            "tool_calls",
            "tool_unparsable",
            "tool_unknown",
            "tool_bad_arguments",
            "tool_failed",
            "tool_timed_out")) {
      counts.put(k, 0.0);
    }
  }

  @Override
  public EnvironmentStep step(String policyTurn) {
    ParsedTurn turn = format.parse(policyTurn);
    if (!turn.callsTools()) {
      return EnvironmentStep.end();
    }
    List<String> results = new ArrayList<>();
    for (String error : turn.errors()) {
      count("tool_calls");
      count("tool_unparsable");
      results.add("error: " + error);
    }
    for (ToolCall call : turn.calls()) {
      count("tool_calls");
      results.add(run(call));
    }
    return EnvironmentStep.observe(format.observation(results));
  }

  private String run(ToolCall call) {
    Tool tool = tools.get(call.name());
    if (tool == null) {
      count("tool_unknown");
      return "error: unknown tool '" + call.name() + "'; the tools are " + tools.keySet();
    }
    Future<String> result = CALLS.submit(() -> tool.call(call.arguments()));
    try {
      String text = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return text == null ? "" : text;
    } catch (TimeoutException e) {
      result.cancel(true);
      count("tool_timed_out");
      return "error: tool '" + call.name() + "' timed out after " + timeout.toMillis() + " ms";
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ToolCallException bad) {
        count("tool_bad_arguments");
        return "error: " + bad.getMessage();
      }
      count("tool_failed");
      return "error: tool '" + call.name() + "' failed: " + cause;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result.cancel(true);
      count("tool_failed");
      return "error: tool '" + call.name() + "' was interrupted";
    }
  }

  private void count(String name) {
    counts.merge(name, 1.0, Double::sum);
  }

  @Override
  public Map<String, Double> metrics() {
    return Map.copyOf(counts);
  }
}
