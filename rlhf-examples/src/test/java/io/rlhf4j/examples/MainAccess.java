package io.rlhf4j.examples;

/** Lets tests in other packages run the command line as {@code Main.run} does. */
public final class MainAccess {
  private MainAccess() {}

  /** {@code Main.run(args)}. */
  public static int run(String... args) {
    return Main.run(args);
  }
}
