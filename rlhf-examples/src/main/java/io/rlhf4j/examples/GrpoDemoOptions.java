package io.rlhf4j.examples;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options the GRPO demo commands share ({@code tool-demo}, {@code rlvr-demo}). */
final class GrpoDemoOptions {
  @Option(names = "--model", description = "base model folder (default: ${DEFAULT-VALUE})")
  Path model = Path.of(GenerateCommand.DEFAULT_MODEL);

  @Option(names = "--seeds", description = "GRPO seeds (default: ${DEFAULT-VALUE})")
  int seeds = 3;

  @Option(names = "--iterations", description = "GRPO iterations (default: ${DEFAULT-VALUE})")
  int iterations;

  @Option(names = "--lr", description = "GRPO learning rate (default: ${DEFAULT-VALUE})")
  double lr;

  /** With the demo's own defaults. */
  GrpoDemoOptions(int iterations, double lr) {
    this.iterations = iterations;
    this.lr = lr;
  }
}
