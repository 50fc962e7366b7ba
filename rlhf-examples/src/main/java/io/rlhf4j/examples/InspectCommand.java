package io.rlhf4j.examples;

import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.data.read.HhRlhf;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.Llmfao;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.data.read.RecordReader;
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
        case "--format" -> format = args[++i];
        case "--skip-invalid" -> options = ReadOptions.skipping();
        case "--help", "-h" -> {
          System.err.println(
              "usage: inspect --format demonstrations|comparisons|rankings|hh-rlhf|llmfao"
                  + " [--skip-invalid] PATH");
          return 0;
        }
        default -> path = Path.of(args[i]);
      }
    }
    if (format == null || path == null) {
      System.err.println("inspect needs --format and a PATH (see inspect --help)");
      return 2;
    }
    try {
      switch (format) {
        case "demonstrations" -> report(Jsonl.demonstrations(path, options));
        case "comparisons" -> report(Jsonl.comparisons(path, options));
        case "rankings" -> report(Jsonl.rankings(path, options));
        case "hh-rlhf" -> report(HhRlhf.comparisons(path, options));
        case "llmfao" -> {
          Llmfao.Corpus corpus = Llmfao.read(path);
          List<Ranking> majority = corpus.majority();
          System.out.printf(
              "%d votes over %d pairs; majority: %d decided, %d tied%n",
              corpus.votes().size(),
              corpus.pairs().size(),
              majority.stream().filter(r -> !r.pairs().isEmpty()).count(),
              majority.stream().filter(r -> r.pairs().isEmpty()).count());
        }
        default -> {
          System.err.println("unknown format: " + format);
          return 2;
        }
      }
    } catch (DataFormatException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    }
    return 0;
  }

  private static void report(RecordReader<?> reader) {
    reader.readAll();
    System.out.println(reader.report());
    for (DataFormatException problem : reader.report().problems()) {
      System.out.println("  skipped " + problem.getMessage());
    }
  }
}
