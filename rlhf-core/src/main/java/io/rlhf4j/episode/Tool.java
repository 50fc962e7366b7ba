package io.rlhf4j.episode;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tool the policy may call: a name, a description, typed parameters and a plain Java function. No
 * reflection: the parameters are declared, so the schema the model reads and the arguments the
 * function gets are the same list.
 *
 * <pre>{@code
 * Tool lookup = Tool.builder("lookup")
 *     .description("Looks a word up in the dictionary.")
 *     .parameter("word", ToolParameter.Type.STRING, "the word")
 *     .function(args -> dictionary.define(args.string("word")))
 *     .build();
 * }</pre>
 */
public final class Tool {
  private final String name;
  private final String description;
  private final List<ToolParameter> parameters;
  private final ToolFunction function;

  private Tool(Builder b) {
    this.name = b.name;
    this.description = b.description;
    this.parameters = List.copyOf(b.parameters);
    this.function = checkNotNull(b.function, "tool %s has no function", b.name);
  }

  /** Starts a tool named {@code name} (letters, digits, {@code _} and {@code -}). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The name the policy calls it by. */
  public String name() {
    return name;
  }

  /** What it does, as the model reads it. */
  public String description() {
    return description;
  }

  /** Its parameters, in declaration order. */
  public List<ToolParameter> parameters() {
    return parameters;
  }

  /**
   * Checks the call's arguments against the parameters (required ones present, no unknown ones,
   * each of its declared type) and runs the function.
   *
   * @throws ToolCallException when the arguments do not fit; whatever the function throws
   */
  public String call(ToolArguments arguments) throws Exception {
    for (String given : arguments.values().keySet()) {
      if (parameters.stream().noneMatch(p -> p.name().equals(given))) {
        throw new ToolCallException("tool '" + name + "' has no argument '" + given + "'");
      }
    }
    for (ToolParameter p : parameters) {
      if (!arguments.has(p.name())) {
        if (p.required()) {
          throw new ToolCallException("tool '" + name + "' needs argument '" + p.name() + "'");
        }
        continue;
      }
      switch (p.type()) {
        case STRING -> arguments.string(p.name());
        case INTEGER -> arguments.integer(p.name());
        case NUMBER -> arguments.number(p.name());
        case BOOLEAN -> arguments.bool(p.name());
      }
    }
    return function.call(arguments);
  }

  /**
   * The OpenAI function schema chat templates render with {@code tools=}: {@code {"type":
   * "function", "function": {"name", "description", "parameters": {"type": "object", "properties",
   * "required"}}}}, in a defined key order.
   */
  public Map<String, Object> schema() {
    Map<String, Object> properties = new LinkedHashMap<>();
    List<String> required = new ArrayList<>();
    for (ToolParameter p : parameters) {
      Map<String, Object> property = new LinkedHashMap<>();
      property.put("type", p.type().schemaName());
      property.put("description", p.description());
      properties.put(p.name(), property);
      if (p.required()) {
        required.add(p.name());
      }
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("type", "object");
    params.put("properties", properties);
    params.put("required", required);
    Map<String, Object> function = new LinkedHashMap<>();
    function.put("name", name);
    function.put("description", description);
    function.put("parameters", params);
    Map<String, Object> schema = new LinkedHashMap<>();
    schema.put("type", "function");
    schema.put("function", function);
    return schema;
  }

  @Override
  public String toString() {
    return "Tool[" + name + "]";
  }

  /** Declares a tool. */
  public static final class Builder {
    private final String name;
    private String description = "";
    private final List<ToolParameter> parameters = new ArrayList<>();
    private ToolFunction function;

    private Builder(String name) {
      checkArgument(
          name != null && name.matches("[A-Za-z_][A-Za-z0-9_-]*"),
          "a tool needs a name of letters, digits, _ and -: %s",
          name);
      this.name = name;
    }

    /** What the tool does, for the model. */
    public Builder description(String v) {
      description = checkNotNull(v, "description");
      return this;
    }

    /** A required parameter. */
    public Builder parameter(String name, ToolParameter.Type type, String description) {
      return parameter(new ToolParameter(name, type, description, true));
    }

    /** A parameter. */
    public Builder parameter(ToolParameter p) {
      checkArgument(
          parameters.stream().noneMatch(q -> q.name().equals(p.name())),
          "tool %s already has a parameter %s",
          name,
          p.name());
      parameters.add(p);
      return this;
    }

    /** The Java code the call runs. */
    public Builder function(ToolFunction v) {
      function = v;
      return this;
    }

    /** The tool. */
    public Tool build() {
      return new Tool(this);
    }
  }
}
