package io.rlhf4j.examples;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command-line entry point of {@code rlhf4j.jar}: {@code java -jar rlhf4j.jar COMMAND [flags]};
 * with no arguments (or only the demo's flags) it runs the demo. Each command is a small class;
 * this one only dispatches.
 */
public final class Main {
  private Main() {}

  /** A sub-command. */
  interface Command {
    /** One line for the command list. */
    String summary();

    /** Runs with the arguments after the command name; returns the exit status. */
    int run(String[] args) throws Exception;
  }

  private static Map<String, Command> commands() {
    Map<String, Command> commands = new LinkedHashMap<>();
    commands.put("demo", new DemoCommand());
    commands.put("generate", new GenerateCommand());
    commands.put("convert", new ConvertCommand());
    commands.put("hh-reward", new HhRewardCommand());
    commands.put("inspect", new InspectCommand());
    return commands;
  }

  /** Runs a command and exits with its status. */
  public static void main(String[] args) throws Exception {
    // Natives ship in the jar; never let DJL reach for the network.
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    System.exit(run(args));
  }

  static int run(String[] args) throws Exception {
    Map<String, Command> commands = commands();
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      usage(commands);
      return 0;
    }
    // The main job runs with no arguments, or with just its flags.
    boolean demo = args.length == 0 || args[0].startsWith("--");
    Command command = commands.get(demo ? "demo" : args[0]);
    if (command == null) {
      System.err.println("unknown command: " + args[0]);
      usage(commands);
      return 2;
    }
    try {
      return command.run(demo ? args : Arrays.copyOfRange(args, 1, args.length));
    } catch (IllegalArgumentException
        | io.rlhf4j.djl.io.ModelFormatException
        | io.rlhf4j.data.DataFormatException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
  }

  private static void usage(Map<String, Command> commands) {
    System.err.println("usage: java -jar rlhf4j.jar COMMAND [flags]   (COMMAND --help for flags)");
    commands.forEach((name, c) -> System.err.printf("  %-10s %s%n", name, c.summary()));
  }
}
