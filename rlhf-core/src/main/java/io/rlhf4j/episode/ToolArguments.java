package io.rlhf4j.episode;

import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.internal.json.Json;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The arguments of one tool call, a JSON object, read by name with the type the tool declared. A
 * missing or mistyped argument throws {@link ToolCallException}, which the environment shows the
 * policy instead of crashing.
 *
 * @param values the parsed JSON object: strings, numbers ({@code Long} or {@code Double}),
 *     booleans, nested maps and lists
 */
public record ToolArguments(Map<String, Object> values) {
  /** Copies, keeping the call's order (a rendered call must read as it was written). */
  public ToolArguments {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(checkNotNull(values, "values")));
  }

  /** No arguments. */
  public static ToolArguments none() {
    return new ToolArguments(Map.of());
  }

  /** Whether {@code name} was given. */
  public boolean has(String name) {
    return values.containsKey(name);
  }

  /** A string argument. */
  public String string(String name) throws ToolCallException {
    if (get(name) instanceof String s) {
      return s;
    }
    throw mistyped(name, "a string");
  }

  /** An integer argument (a JSON number without a fraction). */
  public long integer(String name) throws ToolCallException {
    Object v = get(name);
    if (v instanceof Long l) {
      return l;
    }
    if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p53) {
      return d.longValue();
    }
    throw mistyped(name, "an integer");
  }

  /** A number argument. */
  public double number(String name) throws ToolCallException {
    if (get(name) instanceof Number n) {
      return n.doubleValue();
    }
    throw mistyped(name, "a number");
  }

  /** A boolean argument. */
  public boolean bool(String name) throws ToolCallException {
    if (get(name) instanceof Boolean b) {
      return b;
    }
    throw mistyped(name, "true or false");
  }

  private Object get(String name) throws ToolCallException {
    Object v = values.get(name);
    if (v == null) {
      throw new ToolCallException("missing argument '" + name + "'");
    }
    return v;
  }

  private ToolCallException mistyped(String name, String expected) {
    return new ToolCallException(
        "argument '" + name + "' must be " + expected + ", got " + Json.typeName(values.get(name)));
  }
}
