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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code inspect --format F [--skip-invalid] PATH}: validates a data file and prints what it holds,
 * so a user finds a broken line before a training run does.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description =
        "Validate a data file and print its counts (demonstrations, comparisons, rankings,"
            + " hh-rlhf, llmfao).")
final class InspectCommand implements Callable<Integer> {
  @Option(
      names = {"-f", "--format"},
      required = true,
      description = "demonstrations, comparisons, rankings, hh-rlhf or llmfao")
  String format;

  @Option(
      names = "--skip-invalid",
      description = "skip bad records (each is listed) instead of stopping")
  boolean skipInvalid;

  @Parameters(paramLabel = "PATH", description = "the file (or LLMFAO folder)")
  Path path;

  @Override
  public Integer call() {
    ReadOptions options = skipInvalid ? ReadOptions.skipping() : ReadOptions.strict();
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
          throw new IllegalArgumentException(
              "unknown format '"
                  + format
                  + "' (demonstrations, comparisons, rankings, hh-rlhf or llmfao)");
    }
    return 0;
  }

  private static void report(ReadReport report) {
    System.out.println(report);
    for (DataFormatException problem : report.problems()) {
      System.out.println("  skipped " + problem.getMessage());
    }
  }
}
