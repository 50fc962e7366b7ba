package io.rlhf4j.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.ReadOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelSessionTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-24T09:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  static List<LabelItem> items(int n) {
    List<LabelItem> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          new LabelItem(
              i, "prompt " + i, List.of("a" + i, "b" + i, "c" + i), List.of(false, true, false)));
    }
    return out;
  }

  @Test
  void submissionsAreRankingsFilesWithTheirExtraFields() throws IOException {
    Path file = dir.resolve("rankings.jsonl");
    LabelSession s = LabelSession.open(items(2), file, 0, 0, CLOCK);

    s.submit("ann", 0, List.of(2, 1, 2), List.of("", "unsafe", ""));
    s.skip("ann", 1);

    assertThat(s.complete()).isTrue();
    List<Ranking> read = Jsonl.rankings(file, ReadOptions.strict()).readAll();
    assertThat(read)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.prompt()).isEqualTo("prompt 0");
              assertThat(r.ranks()).containsExactly(2, 1, 2);
              assertThat(r.truncated()).containsExactly(false, true, false);
            });
    assertThat(Files.readString(file))
        .contains("\"item\":0,\"labeler\":\"ann\",\"time\":\"2026-11-24T09:00:00Z\"")
        .contains("\"flags\":[\"\",\"unsafe\",\"\"]");
    assertThat(Files.readString(LabelSession.skippedFile(file))).contains("\"item\":1");
  }

  @Test
  void aRestartContinuesAndAHalfWrittenLineIsCutOff() throws IOException {
    Path file = dir.resolve("r.jsonl");
    LabelSession first = LabelSession.open(items(3), file, 0, 0, CLOCK);
    first.submit("ann", 0, List.of(1, 2, 3), List.of("", "", ""));
    // A crash in the middle of the second write: half a line on disk, never acknowledged.
    Files.writeString(file, "{\"prompt\":\"prompt 1\",\"respo", StandardOpenOption.APPEND);

    LabelSession again = LabelSession.open(items(3), file, 0, 0, CLOCK);

    assertThat(again.rankings()).hasSize(1);
    assertThat(again.next("bob").orElseThrow().id()).isEqualTo(1);
    assertThat(again.progress("ann")).isEqualTo(new LabelSession.Progress(1, 3, 1));
    assertThat(Files.readString(file)).endsWith("}\n");
    // Submitting the same item twice is refused and writes nothing.
    assertThatThrownBy(() -> again.submit("ann", 0, List.of(1, 2, 3), List.of("", "", "")))
        .isInstanceOf(IllegalStateException.class);
    assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).hasSize(1);
    // Labels of another round are not mistaken for this one's.
    List<LabelItem> other = new ArrayList<>(items(3));
    other.set(0, new LabelItem(0, "another prompt", List.of("x", "y"), List.of(false, false)));
    assertThatThrownBy(() -> LabelSession.open(other, file, 0, 0, CLOCK))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("r.jsonl:1: field 'prompt'");
  }

  @Test
  void undoTakesBackTheLastSubmissionOnly() throws IOException {
    Path file = dir.resolve("r.jsonl");
    LabelSession s = LabelSession.open(items(3), file, 0, 0, CLOCK);
    s.submit("ann", 0, List.of(1, 2, 3), List.of("", "", ""));
    s.submit("bob", 1, List.of(3, 2, 1), List.of("", "", ""));
    s.submit("ann", 2, List.of(1, 1, 1), List.of("", "", ""));

    assertThat(s.undo("ann")).isTrue();

    assertThat(s.rankings()).extracting(Ranking::prompt).containsExactly("prompt 0", "prompt 1");
    assertThat(s.next("ann").orElseThrow().id()).isEqualTo(2);
    assertThat(Jsonl.rankings(file, ReadOptions.strict()).readAll()).hasSize(2);
    assertThat(s.undo("carl")).isFalse();
    assertThatThrownBy(() -> s.submit("ann", 2, List.of(1, 2), List.of("", "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ranks: expected 3");
    assertThatThrownBy(() -> s.submit("<b>", 2, List.of(1, 2, 3), List.of("", "", "")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void overlapItemsGoToTwoPeopleAndAgreementIsCountedPairByPair() throws IOException {
    LabelSession s = LabelSession.open(items(4), dir.resolve("r.jsonl"), 1.0, 0, CLOCK);
    // Item 0: ann a>b>c, bob b>a>c: pairs (a,b) disagree, (a,c) agree, (b,c) agree.
    s.submit("ann", 0, List.of(1, 2, 3), List.of("", "", ""));
    assertThat(s.next("ann").orElseThrow().id()).isEqualTo(1);
    assertThat(s.next("bob").orElseThrow().id()).isEqualTo(0);
    s.submit("bob", 0, List.of(2, 1, 3), List.of("", "", ""));
    // Item 1: both tie a and b above c: all three pairs agree.
    s.submit("ann", 1, List.of(1, 1, 3), List.of("", "", ""));
    s.submit("bob", 1, List.of(1, 1, 3), List.of("", "", ""));
    // Item 2: only ann so far: not compared.
    s.submit("ann", 2, List.of(3, 2, 1), List.of("", "", ""));

    Agreement a = s.agreement();

    assertThat(a).isEqualTo(new Agreement(2, 6, 5));
    assertThat(a.rate()).isEqualTo(5.0 / 6);
    assertThat(s.complete()).isFalse();
    assertThatThrownBy(() -> s.submit("carl", 0, List.of(1, 2, 3), List.of("", "", "")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs no more labels");
  }
}
