package io.rlhf4j.examples;

import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.examples.train.DpoCommand;
import io.rlhf4j.examples.train.KtoCommand;
import io.rlhf4j.examples.train.RewardCommand;
import io.rlhf4j.examples.train.RlCommand;
import io.rlhf4j.examples.train.SftCommand;
import io.rlhf4j.examples.train.TrainCommand;
import io.rlhf4j.internal.io.InputFiles;
import io.rlhf4j.train.TrainingDivergedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command-line entry point of {@code rlhf4j.jar}: {@code java -jar rlhf4j.jar COMMAND
 * [options]}; with no arguments (or only the demo's options) it runs the demo. picocli parses the
 * command line ({@code --x v} and {@code --x=v}, short options, {@code --help} on every command,
 * {@code --version}); this class turns every failure into one line on stderr and an exit status:
 *
 * <ul>
 *   <li>{@value #OK}: done;
 *   <li>{@value #BAD_INPUT}: an input or output is at fault: a data, model or config file that is
 *       malformed, missing or unreadable, an output folder that cannot be written, a training run
 *       that diverged;
 *   <li>{@value #USAGE}: the command line is at fault: an unknown command or option, a bad value, a
 *       setting that contradicts the output folder's run;
 *   <li>{@value #INTERNAL}: a bug in rlhf4j; the line says so, and {@code -Drlhf4j.stacktrace=true}
 *       prints where.
 * </ul>
 */
@Command(
    name = "rlhf4j",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "RLHF for the JVM. With no command, runs the demo.",
    footer = {
      "",
      "Exit status: 0 done, 1 bad input or output files, 2 bad command line, 3 internal error."
    },
    subcommands = {
      DemoCommand.class,
      CompareCommand.class,
      ToolDemoCommand.class,
      RlvrDemoCommand.class,
      SftCommand.class,
      RewardCommand.class,
      RlCommand.Ppo.class,
      RlCommand.Grpo.class,
      RlCommand.Rloo.class,
      RlCommand.ReinforcePlusPlus.class,
      RlCommand.Gspo.class,
      RlCommand.Dapo.class,
      RlCommand.Cispo.class,
      DpoCommand.class,
      KtoCommand.class,
      BestOfNCommand.class,
      LabelCommand.class,
      GenerateCommand.class,
      ServeCommand.class,
      ConvertCommand.class,
      HhRewardCommand.class,
      InspectCommand.class,
      ReportCommand.class
    })
public final class Main implements Runnable {
  /** Exit status: success. */
  public static final int OK = 0;

  /** Exit status: bad or unreadable input, or unwritable output. */
  public static final int BAD_INPUT = 1;

  /** Exit status: bad command line. */
  public static final int USAGE = 2;

  /** Exit status: an internal error. */
  public static final int INTERNAL = 3;

  private static final Set<String> TOP_LEVEL = Set.of("-h", "--help", "-V", "--version");

  @Override
  public void run() {
    throw new IllegalStateException("unreachable: a command is always chosen");
  }

  /** Runs a command and exits with its status. */
  public static void main(String[] args) {
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

  /** Parses {@code args}, runs the command they name and returns its exit status. */
  static int run(String[] args) {
    // The main job runs with no arguments, or with just its options.
    boolean demo = args.length == 0 || (args[0].startsWith("-") && !TOP_LEVEL.contains(args[0]));
    String[] argv = demo ? prepend("demo", args) : args;
    CommandLine cli = commandLine();
    try {
      TrainCommand.applyConfigFile(cli, argv);
    } catch (DataFormatException e) {
      return fail(e.getMessage(), BAD_INPUT, e);
    } catch (IOException e) {
      return fail(InputFiles.describe(e), BAD_INPUT, e);
    }
    return cli.execute(argv);
  }

  /** The command tree, printing help and errors to stderr (stdout carries only results). */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    PrintWriter err = new PrintWriter(System.err, true);
    cli.setOut(err);
    cli.setErr(err);
    cli.setUsageHelpAutoWidth(true);
    cli.setParameterExceptionHandler(Main::usageError);
    cli.setExecutionExceptionHandler((e, line, parsed) -> failure(e));
    return cli;
  }

  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine line = e.getCommandLine();
    String message = e.getMessage();
    if (e instanceof CommandLine.UnmatchedArgumentException u
        && line.getParent() == null
        && !u.getUnmatched().isEmpty()
        && !u.getUnmatched().get(0).startsWith("-")) {
      message = "unknown command '" + u.getUnmatched().get(0) + "'";
    }
    if (line.getCommand() instanceof TrainCommand train) {
      message = train.locate(e, message);
    }
    System.err.println("error: " + message);
    System.err.println(
        "  (" + line.getCommandSpec().qualifiedName() + " --help lists the options)");
    return USAGE;
  }

  private static int failure(Exception e) {
    if (e instanceof DataFormatException
        || e instanceof ModelFormatException
        || e instanceof TrainingDivergedException) {
      return fail(e.getMessage(), BAD_INPUT, e);
    }
    if (e instanceof UncheckedIOException u) {
      return fail(message(u.getMessage(), u.getCause()), BAD_INPUT, e);
    }
    if (e instanceof IOException io) {
      return fail(InputFiles.describe(io), BAD_INPUT, e);
    }
    if (e instanceof IllegalArgumentException) {
      return fail(e.getMessage(), USAGE, e);
    }
    return fail(
        "internal error, please report it: "
            + e
            + " (-Drlhf4j.stacktrace=true prints where it happened)",
        INTERNAL,
        e);
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

  private static String[] prepend(String first, String[] rest) {
    String[] out = new String[rest.length + 1];
    out[0] = first;
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }

  /** {@code --version}: rlhf4j's version and those of the engine it was built with. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("/rlhf4j-version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {
        "rlhf4j " + p.getProperty("version", "(unknown version)"),
        "DJL " + p.getProperty("djl", "?") + ", PyTorch " + p.getProperty("pytorch", "?"),
        "Java "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vendor")
            + ")"
      };
    }
  }
}
