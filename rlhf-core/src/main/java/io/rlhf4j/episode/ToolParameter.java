package io.rlhf4j.episode;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Locale;

/**
 * One named, typed argument of a {@link Tool}, as a JSON schema property.
 *
 * @param name the argument's name in the call's JSON object
 * @param type its JSON type
 * @param description what the model should put there
 * @param required whether a call without it is refused
 */
public record ToolParameter(String name, Type type, String description, boolean required) {
  /** The JSON types a tool argument may have. */
  public enum Type {
    /** A JSON string. */
    STRING,
    /** A JSON number without a fraction. */
    INTEGER,
    /** Any JSON number. */
    NUMBER,
    /** {@code true} or {@code false}. */
    BOOLEAN;

    /** The JSON schema spelling ("string", "integer", ...). */
    public String schemaName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Validates. */
  public ToolParameter {
    checkArgument(
        name != null && name.matches("[A-Za-z_][A-Za-z0-9_]*"),
        "a tool parameter needs a name of letters, digits and _: %s",
        name);
    checkNotNull(type, "type");
    checkNotNull(description, "description");
  }
}
