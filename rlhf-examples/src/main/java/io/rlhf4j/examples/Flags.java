package io.rlhf4j.examples;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --name value} flags of one command, and {@code --name} switches, checked against the
 * command's declared flags so a typo is an error, not a silently ignored default. A flag whose help
 * text starts with {@link #SWITCH} takes no value.
 */
final class Flags {
  /** The start of a switch's help text. */
  static final String SWITCH = "(switch) ";

  private final Map<String, String> values = new LinkedHashMap<>();
  private final Map<String, String> help;

  /**
   * @param help flag name (without dashes) to a one-line description with its default
   * @param args the command's arguments
   */
  Flags(Map<String, String> help, String[] args) {
    this.help = help;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        values.put("help", "true");
        continue;
      }
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException(
            "unexpected argument '" + arg + "' (flags start with --)");
      }
      String name = arg.substring(2);
      if (!help.containsKey(name)) {
        throw new IllegalArgumentException("unknown flag --" + name + "; known: " + help.keySet());
      }
      if (help.get(name).startsWith(SWITCH)) {
        values.put(name, "true");
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("flag --" + name + " needs a value");
      }
      values.put(name, args[++i]);
    }
  }

  boolean wantsHelp() {
    return values.containsKey("help");
  }

  String usage(String command) {
    StringBuilder sb = new StringBuilder("usage: ").append(command).append(" [flags]\n");
    int width = help.keySet().stream().mapToInt(String::length).max().orElse(0);
    help.forEach(
        (name, text) -> sb.append(String.format("  --%-" + width + "s  %s%n", name, text)));
    return sb.toString();
  }

  /** Whether the switch {@code name} was given. */
  boolean isSet(String name) {
    return values.containsKey(name);
  }

  String string(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  String required(String name) {
    String v = values.get(name);
    if (v == null) {
      throw new IllegalArgumentException("flag --" + name + " is required");
    }
    return v;
  }

  int integer(String name, int fallback) {
    return parsed(name, fallback, Integer::parseInt, "an integer");
  }

  long longValue(String name, long fallback) {
    return parsed(name, fallback, Long::parseLong, "an integer");
  }

  double number(String name, double fallback) {
    return parsed(name, fallback, Double::parseDouble, "a number");
  }

  private <T> T parsed(
      String name, T fallback, java.util.function.Function<String, T> parser, String kind) {
    String v = values.get(name);
    try {
      return v == null ? fallback : parser.apply(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "flag --" + name + " expects " + kind + ", got '" + v + "'");
    }
  }
}
