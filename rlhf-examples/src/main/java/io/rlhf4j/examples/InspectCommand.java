package io.rlhf4j.examples;

import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.data.read.HhRlhf;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.Llmfao;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.data.read.ReadReport;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code inspect --format F [--skip-invalid] PATH}: validates a data file and prints what it holds,
 * so a user finds a broken line before a training run does.
 */
final class InspectCommand implements Main.Command {
  @Override
  public String summary() {
    return "validate a data file and print its counts (demonstrations, comparisons, rankings,"
        + " hh-rlhf, llmfao)";
  }

  @Override
  public int run(String[] args) {
    String format = null;
    Path path = null;
    ReadOptions options = ReadOptions.strict();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--format" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("flag --format needs a value");
          }
          format = args[++i];
        }
        case "--skip-invalid" -> options = ReadOptions.skipping();
        case "--help", "-h" -> {
          System.err.println(USAGE);
          return 0;
        }
        default -> {
          if (args[i].startsWith("--")) {
            throw new IllegalArgumentException("unknown flag " + args[i] + " (" + USAGE + ")");
          }
          path = Path.of(args[i]);
        }
      }
    }
    if (format == null || path == null) {
      throw new IllegalArgumentException("inspect needs --format and a PATH (" + USAGE + ")");
    }
    // Records are counted as they stream by, so a file of any size is checked in little memory.
    switch (format) {
      case "demonstrations" -> report(Jsonl.demonstrations(path, options).validate());
      case "comparisons" -> report(Jsonl.comparisons(path, options).validate());
      case "rankings" -> report(Jsonl.rankings(path, options).validate());
      case "hh-rlhf" -> report(HhRlhf.comparisons(path, options).validate());
      case "llmfao" -> {
        Llmfao.Corpus corpus = Llmfao.read(path, options);
        List<Ranking> majority = corpus.majority();
        System.out.printf(
            "%d votes over %d pairs; majority: %d decided, %d tied%n",
            corpus.votes().size(),
            corpus.pairs().size(),
            majority.stream().filter(r -> !r.pairs().isEmpty()).count(),
            majority.stream().filter(r -> r.pairs().isEmpty()).count());
        report(corpus.report());
      }
      default ->
          throw new IllegalArgumentException("unknown format '" + format + "' (" + USAGE + ")");
    }
    return 0;
  }

  private static final String USAGE =
      "usage: inspect --format demonstrations|comparisons|rankings|hh-rlhf|llmfao [--skip-invalid]"
          + " PATH";

  private static void report(ReadReport report) {
    System.out.println(report);
    for (DataFormatException problem : report.problems()) {
      System.out.println("  skipped " + problem.getMessage());
    }
  }
}
