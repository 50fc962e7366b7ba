package io.rlhf4j.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The command line as {@code java -jar rlhf4j.jar} runs it, for tests in any package. */
public final class Cli {
  private Cli() {}

  /** The exit status and what went to stderr. */
  public record Outcome(int status, String stderr) {}

  /** Runs {@code args} as {@code Main.run} does, capturing stderr. */
  public static Outcome run(String... args) {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return new Outcome(Main.run(args), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(saved);
    }
  }

  /** Runs {@code args} as {@code Main.run} does, stderr left where it goes. */
  public static int status(String... args) {
    return Main.run(args);
  }
}
