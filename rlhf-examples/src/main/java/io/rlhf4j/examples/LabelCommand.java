package io.rlhf4j.examples;

import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.label.LabelItem;
import io.rlhf4j.label.LabelServer;
import io.rlhf4j.label.LabelSession;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code label}: people rank samples generated anywhere, in a browser. Serves the ranking web app
 * until every prompt is ranked (or skipped) or the deadline passes; the rankings file is written as
 * they work, and a rerun continues it.
 */
@Command(
    name = "label",
    mixinStandardHelpOptions = true,
    description = "Rank samples in a browser: serves the ranking page until the round is done.")
final class LabelCommand implements Callable<Integer> {
  @Option(
      names = "--samples",
      required = true,
      description = "JSONL: prompt, responses (K >= 2), optional truncated flags")
  Path samples;

  @Option(
      names = {"-o", "--out"},
      required = true,
      description = "rankings JSONL, appended as people submit (skips: OUT.skipped.jsonl)")
  Path out;

  @Option(
      names = "--bind",
      description = "address to listen on (default: ${DEFAULT-VALUE}, this machine only)")
  String bind = "127.0.0.1";

  @Option(names = "--port", description = "port, 0 for any free one (default: ${DEFAULT-VALUE})")
  int port = 8765;

  @Option(names = "--token", description = "access token (default: a random one)")
  String token;

  @Option(
      names = "--overlap",
      description = "share of prompts shown to two people (default: ${DEFAULT-VALUE})")
  double overlap = 0.1;

  @Option(names = "--seed", description = "seed of which prompts overlap (default: 0)")
  long seed = 0;

  @Option(
      names = "--deadline",
      description = "how long to wait, ISO-8601 (default: ${DEFAULT-VALUE}, 7 days)")
  Duration deadline = Duration.ofDays(7);

  @Option(
      names = "--linger",
      description =
          "how long a complete round stays open for undo; the page's Close button ends it at once"
              + " (default: ${DEFAULT-VALUE}, ISO-8601)")
  Duration linger = LabelServer.DEFAULT_LINGER;

  @Option(
      names = "--hold",
      description =
          "how long an item shown to one person is kept from others (default: ${DEFAULT-VALUE})")
  Duration hold = LabelSession.DEFAULT_HOLD;

  private static String joined(List<EpisodeDemonstration.Turn> turns) {
    StringBuilder sb = new StringBuilder();
    turns.forEach(t -> sb.append(t.text()));
    return sb.toString();
  }

  @Override
  public Integer call() throws Exception {
    List<LabelItem> items = new ArrayList<>();
    for (LabelItem it :
        Jsonl.records(
                samples,
                ReadOptions.strict(),
                r -> {
                  // Episodes come as turns; their joined text is what is ranked and kept.
                  List<List<EpisodeDemonstration.Turn>> turns =
                      r.has("turns") ? r.episodes("turns") : List.of();
                  List<String> responses =
                      r.has("responses") || turns.isEmpty()
                          ? r.strings("responses")
                          : turns.stream().map(LabelCommand::joined).toList();
                  if (responses.size() < 2) {
                    throw r.error("responses", "need K >= 2 responses to rank");
                  }
                  for (int i = 0; i < turns.size() && i < responses.size(); i++) {
                    if (!joined(turns.get(i)).equals(responses.get(i))) {
                      throw r.error("turns[" + i + "]", "does not join to responses[" + i + "]");
                    }
                  }
                  if (!turns.isEmpty() && turns.size() != responses.size()) {
                    throw r.error("turns", "needs one episode per response");
                  }
                  return new LabelItem(
                      0,
                      r.string("prompt"),
                      responses,
                      r.optionalBooleans("truncated", responses.size(), false),
                      turns);
                })
            .readAll()) {
      items.add(it.withId(items.size()));
    }
    LabelSession session =
        LabelSession.open(items, out, overlap, seed, Clock.systemUTC()).holdItemsFor(hold);
    boolean complete =
        LabelServer.serveUntilClosed(
            session,
            InetAddress.getByName(bind),
            port,
            token,
            deadline,
            linger,
            link -> {
              System.err.println("open in a browser: " + link + "&labeler=YOUR_NAME");
              System.err.printf(
                  "%d prompts, %s%n",
                  items.size(),
                  session.complete()
                      ? "already complete"
                      : "serving until all are ranked and the round is closed (Ctrl-C stops)");
            });
    System.err.printf(
        "%s: %d rankings in %s; agreement %s%n",
        complete ? "done" : "deadline passed",
        session.rankings().size(),
        out,
        session.agreement().describe());
    return complete ? 0 : Main.BAD_INPUT;
  }
}
