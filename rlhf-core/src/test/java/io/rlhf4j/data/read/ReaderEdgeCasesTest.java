package io.rlhf4j.data.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.Ranking;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inputs a fuzzing review found mishandled, each with the behaviour it gets now. */
class ReaderEdgeCasesTest {
  @TempDir Path dir;

  private static final String GOOD = "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\"}\n";

  private Path write(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  @Test
  void infiniteMarginIsALocatedSkippableError() throws IOException {
    Path f =
        write(
            "m.jsonl",
            "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"margin\":1e999}\n" + GOOD);
    assertThatThrownBy(() -> Jsonl.comparisons(f, ReadOptions.strict()).readAll())
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(f + ":1: ")
        .hasMessageContaining("number out of range");
    RecordReader<?> skipping = Jsonl.comparisons(f, ReadOptions.skipping());
    assertThat(skipping.readAll()).hasSize(1);
    assertThat(skipping.report().skipped()).isEqualTo(1);
  }

  @Test
  void aRecordTypesOwnCheckIsLocatedToo() throws IOException {
    // A margin of -0.0 passes JSON but the ranking's ranks are the record type's own rule.
    Path f = write("r.jsonl", "{\"prompt\":\"p\",\"responses\":[\"a\",\"b\"],\"ranks\":[1,0]}\n");
    assertThatThrownBy(() -> Jsonl.rankings(f, ReadOptions.strict()).readAll())
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(f + ":1: ");
  }

  @Test
  void aByteOrderMarkOpensTheFirstLineHarmlessly() throws IOException {
    Path f = dir.resolve("bom.jsonl");
    byte[] text = (GOOD + GOOD).getBytes(StandardCharsets.UTF_8);
    byte[] withBom = new byte[text.length + 3];
    withBom[0] = (byte) 0xEF;
    withBom[1] = (byte) 0xBB;
    withBom[2] = (byte) 0xBF;
    System.arraycopy(text, 0, withBom, 3, text.length);
    Files.write(f, withBom);
    assertThat(Jsonl.comparisons(f, ReadOptions.strict()).readAll()).hasSize(2);
    // Only at the very start: the same bytes inside a line are not JSON.
    Path mid = dir.resolve("mid.jsonl");
    Files.write(mid, concat(text, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'}));
    assertThatThrownBy(() -> Jsonl.comparisons(mid, ReadOptions.strict()).readAll())
        .hasMessageStartingWith(mid + ":3: ");
  }

  @Test
  void aCorruptSecondGzipMemberIsAnErrorNotSilentLoss() throws IOException {
    byte[] first = gzip(GOOD + GOOD);
    byte[] second = gzip(GOOD + GOOD + GOOD);
    Path whole = dir.resolve("two.jsonl.gz");
    Files.write(whole, concat(first, second));
    assertThat(Jsonl.comparisons(whole, ReadOptions.strict()).readAll()).hasSize(5);
    byte[] damaged = second.clone();
    damaged[2] = 7; // the compression method byte of the second member's header
    Path bad = dir.resolve("bad.jsonl.gz");
    Files.write(bad, concat(first, damaged));
    assertThatThrownBy(() -> Jsonl.comparisons(bad, ReadOptions.skipping()).readAll())
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(bad + ":3: ")
        .hasMessageContaining("truncated or corrupt");
    Path garbage = dir.resolve("garbage.jsonl.gz");
    Files.write(garbage, concat(first, "trailing".getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> Jsonl.comparisons(garbage, ReadOptions.strict()).readAll())
        .hasMessageContaining("truncated or corrupt");
  }

  @Test
  void aBadGzipHeaderNamesTheFile() throws IOException {
    byte[] bytes = gzip(GOOD);
    bytes[3] = (byte) 0xE0; // reserved flag bits
    Path f = dir.resolve("flags.jsonl.gz");
    Files.write(f, bytes);
    assertThatThrownBy(() -> Jsonl.comparisons(f, ReadOptions.strict()).readAll())
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(f + ":1: ");
  }

  @Test
  void missingAndDirectoryInputsSayWhatIsWrong() {
    Path missing = dir.resolve("none.jsonl");
    assertThatThrownBy(() -> Jsonl.comparisons(missing, ReadOptions.strict()))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage(missing + ": no such file or folder");
    assertThatThrownBy(() -> Jsonl.comparisons(dir, ReadOptions.strict()))
        .hasMessage(dir + ": is a directory");
  }

  @Test
  void validateCountsWithoutKeepingRecords() throws IOException {
    Path f = write("many.jsonl", GOOD.repeat(1000) + "{bad\n");
    RecordReader<?> reader = Jsonl.comparisons(f, ReadOptions.skipping());
    ReadReport report = reader.validate();
    assertThat(report.accepted()).isEqualTo(1000);
    assertThat(report.skipped()).isEqualTo(1);
  }

  @Test
  void truncationFlagsRoundTrip() throws IOException {
    List<Ranking> rankings =
        List.of(
            new Ranking(
                "p",
                List.of("finished", "cut of", ""),
                List.of(1, 2, 3),
                OptionalDouble.empty(),
                List.of(false, true, false)),
            Ranking.of("q", List.of("a", "b"), List.of(1, 2)));
    Path r = dir.resolve("r.jsonl");
    Jsonl.writeRankings(r, rankings);
    assertThat(Jsonl.rankings(r, ReadOptions.strict()).readAll()).isEqualTo(rankings);
    assertThat(Files.readAllLines(r).get(1)).doesNotContain("truncated");
    List<Demonstration> demos =
        List.of(new Demonstration("p", "She cre", true), new Demonstration("p", "Done."));
    Path d = dir.resolve("d.jsonl");
    Jsonl.writeDemonstrations(d, demos);
    assertThat(Jsonl.demonstrations(d, ReadOptions.strict()).readAll()).isEqualTo(demos);
    Path wrong =
        write(
            "w.jsonl",
            "{\"prompt\":\"p\",\"responses\":[\"a\",\"b\"],\"ranks\":[1,2],\"truncated\":[true]}\n");
    assertThatThrownBy(() -> Jsonl.rankings(wrong, ReadOptions.strict()).readAll())
        .hasMessage(wrong + ":1: field 'truncated': has 1 entries, expected 2");
  }

  @Test
  void llmfaoReportsTheDuplicateAtItsOwnLineAndCanSkip() throws IOException {
    Path folder = Files.createDirectory(dir.resolve("llmfao"));
    String pair =
        "{\"id\":0,\"prompt\":8,\"text\":\"q\",\"model_x\":1,\"result_x\":\"a\",\"model_y\":2,"
            + "\"result_y\":\"b\"}\n";
    // Blank lines before the duplicate: the line number must count them.
    Files.writeString(folder.resolve(Llmfao.PAIRS_FILE), pair + "\n\n" + pair);
    Files.writeString(
        folder.resolve(Llmfao.VOTES_FILE),
        "id,prompt,model_x,model_y,worker,winner\n0,8,1,2,5,left\n0,8,1,2,6,maybe\n");
    assertThatThrownBy(() -> Llmfao.read(folder))
        .hasMessage(folder.resolve(Llmfao.PAIRS_FILE) + ":4: field 'id': duplicate pair id 0");
    Llmfao.Corpus corpus = Llmfao.read(folder, ReadOptions.skipping());
    assertThat(corpus.votes()).hasSize(1);
    assertThat(corpus.report().skipped()).isEqualTo(2);
    assertThatThrownBy(() -> Llmfao.read(folder.resolve(Llmfao.PAIRS_FILE)))
        .hasMessageContaining("expected the LLMFAO folder");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
