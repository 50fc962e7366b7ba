package io.rlhf4j.examples;

import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.io.InputFiles;
import io.rlhf4j.train.TrainingDivergedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command-line entry point of {@code rlhf4j.jar}: {@code java -jar rlhf4j.jar COMMAND [flags]};
 * with no arguments (or only the demo's flags) it runs the demo. Each command is a small class;
 * this one dispatches and turns every failure into one line on stderr and an exit status:
 *
 * <ul>
 *   <li>{@value #OK}: done;
 *   <li>{@value #BAD_INPUT}: an input or output is at fault: a data or model file that is
 *       malformed, missing or unreadable, an output folder that cannot be written, a training run
 *       that diverged;
 *   <li>{@value #USAGE}: the command line is at fault: an unknown command or flag, a bad value, a
 *       setting that contradicts the output folder's run;
 *   <li>{@value #INTERNAL}: a bug in rlhf4j; the line says so, and {@code -Drlhf4j.stacktrace=true}
 *       prints where.
 * </ul>
 */
public final class Main {
  /** Exit status: success. */
  public static final int OK = 0;

  /** Exit status: bad or unreadable input, or unwritable output. */
  public static final int BAD_INPUT = 1;

  /** Exit status: bad command line. */
  public static final int USAGE = 2;

  /** Exit status: an internal error. */
  public static final int INTERNAL = 3;

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
    commands.put("compare", new CompareCommand());
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
    // libtorch's inter-op pool serves only graph-level parallelism, which eager execution never
    // uses; one thread there leaves the cores to the intra-op pool that does the work. (The
    // intra-op pool stays at DJL's default, one thread per core: set ai.djl.pytorch.num_threads
    // and OMP_NUM_THREADS lower when several JVMs share the machine, see README.)
    if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
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
      System.err.println("error: unknown command '" + args[0] + "'");
      usage(commands);
      return USAGE;
    }
    try {
      return command.run(demo ? args : Arrays.copyOfRange(args, 1, args.length));
    } catch (DataFormatException | ModelFormatException | TrainingDivergedException e) {
      return fail(e.getMessage(), BAD_INPUT, e);
    } catch (UncheckedIOException e) {
      return fail(message(e.getMessage(), e.getCause()), BAD_INPUT, e);
    } catch (IOException e) {
      return fail(InputFiles.describe(e), BAD_INPUT, e);
    } catch (IllegalArgumentException e) {
      return fail(e.getMessage(), USAGE, e);
    } catch (RuntimeException | Error e) {
      return fail(
          "internal error, please report it: "
              + e
              + " (-Drlhf4j.stacktrace=true prints where it happened)",
          INTERNAL,
          e);
    }
  }

  private static int fail(String message, int status, Throwable e) {
    System.err.println("error: " + message);
    if (Boolean.getBoolean("rlhf4j.stacktrace")) {
      e.printStackTrace();
    }
    return status;
  }

  // An I/O failure's own message, or one made from its cause when it has none worth reading.
  private static String message(String text, IOException cause) {
    String described = InputFiles.describe(cause);
    if (text == null || text.isEmpty()) {
      return described;
    }
    return text.contains(described) ? text : text + ": " + described;
  }

  private static void usage(Map<String, Command> commands) {
    System.err.println("usage: java -jar rlhf4j.jar COMMAND [flags]   (COMMAND --help for flags)");
    commands.forEach((name, c) -> System.err.printf("  %-10s %s%n", name, c.summary()));
    System.err.printf(
        "exit status: %d done, %d bad input or output files, %d bad command line, %d internal"
            + " error%n",
        OK, BAD_INPUT, USAGE, INTERNAL);
  }
}
