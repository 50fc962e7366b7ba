package io.rlhf4j.examples.label;

import static org.assertj.core.api.Assertions.assertThat;

import io.rlhf4j.data.Labeler;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.examples.Cli;
import io.rlhf4j.label.Person;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rlhf4j label}: samples generated elsewhere, ranked by a person, written as rankings. */
class LabelCommandTest {
  @TempDir Path dir;

  @Test
  void servesUntilThePersonRankedEverySampleAndWritesRankings() throws Exception {
    Path samples =
        Files.write(
            dir.resolve("samples.jsonl"),
            List.of(
                "{\"prompt\": \"p1\", \"responses\": [\"short\", \"a longer one\"]}",
                "{\"prompt\": \"p2\", \"responses\": [\"ab\", \"a\", \"abc\"],"
                    + " \"truncated\": [false, true, false]}",
                // Episodes as turns, as samples.jsonl writes them: their joined text is ranked.
                "{\"prompt\": \"p3\", \"turns\": [[{\"text\": \"<call>\", \"policy\": true},"
                    + " {\"text\": \"<result>\", \"policy\": false}, {\"text\": \" yes\","
                    + " \"policy\": true}], [{\"text\": \" no\", \"policy\": true}]]}"));
    Path out = dir.resolve("rankings.jsonl");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String token = "label-command-token-01";
    CompletableFuture<Integer> command =
        CompletableFuture.supplyAsync(
            () ->
                Cli.status(
                    "label",
                    "--samples",
                    samples.toString(),
                    "--out",
                    out.toString(),
                    "--port",
                    String.valueOf(port),
                    "--token",
                    token,
                    "--overlap",
                    "0"));
    Labeler longer = Labeler.byScore((p, r) -> r.length());
    URI link = URI.create("http://127.0.0.1:" + port + "/?t=" + token);
    Person ann = new Person(link, "ann", longer, 100);
    // The server needs a moment to start; the person retries until the page answers.
    for (int tries = 0; tries < 100 && !command.isDone(); tries++) {
      ann.run();
      if (ann.failure() == null) {
        break;
      }
      Thread.sleep(100);
    }

    assertThat(command.get()).isZero();
    List<Ranking> ranked = Jsonl.rankings(out, ReadOptions.strict()).readAll();
    assertThat(ranked).hasSize(3);
    assertThat(ranked.get(0).ranks()).containsExactly(2, 1);
    assertThat(ranked.get(1).ranks()).containsExactly(2, 3, 1);
    assertThat(ranked.get(1).truncated()).containsExactly(false, true, false);
    assertThat(ranked.get(2).responses()).containsExactly("<call><result> yes", " no");
    assertThat(ranked.get(2).ranks()).containsExactly(1, 2);
    // The episode's ranking keeps its turns, for DPO to leave the environment's out.
    List<io.rlhf4j.data.EpisodeRanking> episodes =
        Jsonl.episodeRankings(out, ReadOptions.skipping()).readAll(); // the plain ones skipped
    assertThat(episodes).hasSize(1);
    assertThat(episodes.get(0).episodes().get(0))
        .extracting(io.rlhf4j.data.EpisodeDemonstration.Turn::policy)
        .containsExactly(true, false, true);
    assertThat(episodes.get(0).asText().responses()).isEqualTo(ranked.get(2).responses());
    assertThat(episodes.get(0).ranks()).isEqualTo(ranked.get(2).ranks());
  }

  @Test
  void episodeTurnsThatDoNotJoinToTheirResponseAreOneLine() throws Exception {
    Path samples =
        Files.write(
            dir.resolve("bad.jsonl"),
            List.of(
                "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"], \"turns\":"
                    + " [[{\"text\": \"a\", \"policy\": true}], [{\"text\": \"c\", \"policy\": true}]]}"));
    Cli.Outcome o =
        Cli.run("label", "--samples", samples.toString(), "--out", dir.resolve("r").toString());
    assertThat(o.status()).isEqualTo(io.rlhf4j.examples.Main.BAD_INPUT);
    assertThat(o.stderr()).contains("bad.jsonl:1").contains("turns[1]").contains("does not join");
  }
}
