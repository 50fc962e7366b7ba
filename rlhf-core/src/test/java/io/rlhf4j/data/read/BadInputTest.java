package io.rlhf4j.data.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rlhf4j.data.Comparison;
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
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad input gets its own clear error naming file, line and field. */
class BadInputTest {
  @TempDir Path dir;

  private static final String GOOD = "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\"}";
  private static final String GOOD_LINE = GOOD + "\n";

  private Path write(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content, StandardCharsets.UTF_8);
    return p;
  }

  private DataFormatException comparisonError(String badLine) throws IOException {
    Path f = write("c.jsonl", GOOD + "\n" + badLine + "\n" + GOOD + "\n");
    try {
      Jsonl.comparisons(f, ReadOptions.strict()).readAll();
    } catch (DataFormatException e) {
      assertThat(e.file()).isEqualTo(f);
      assertThat(e.line()).isEqualTo(2);
      assertThat(e.getMessage()).startsWith(f + ":2");
      return e;
    }
    throw new AssertionError("no error for " + badLine);
  }

  @Test
  void truncatedLine() throws IOException {
    DataFormatException e = comparisonError("{\"prompt\":\"p\",\"chosen\":\"a\",\"rej");
    assertThat(e.problem()).contains("invalid JSON").contains("truncated");
  }

  @Test
  void invalidJson() throws IOException {
    DataFormatException e = comparisonError("{prompt: 'p'}");
    assertThat(e.problem()).contains("invalid JSON").contains("column 3");
  }

  @Test
  void notAnObject() throws IOException {
    assertThat(comparisonError("[1, 2]").problem()).contains("expected a JSON object");
  }

  @Test
  void missingField() throws IOException {
    DataFormatException e = comparisonError("{\"prompt\":\"p\",\"chosen\":\"a\"}");
    assertThat(e.field()).isEqualTo("rejected");
    assertThat(e.problem()).isEqualTo("is missing");
  }

  @Test
  void wrongType() throws IOException {
    DataFormatException e = comparisonError("{\"prompt\":\"p\",\"chosen\":7,\"rejected\":\"b\"}");
    assertThat(e.field()).isEqualTo("chosen");
    assertThat(e.problem()).contains("expected a string but found a number");
  }

  @Test
  void nullField() throws IOException {
    DataFormatException e =
        comparisonError("{\"prompt\":null,\"chosen\":\"a\",\"rejected\":\"b\"}");
    assertThat(e.field()).isEqualTo("prompt");
    assertThat(e.problem()).isEqualTo("is null");
  }

  @Test
  void emptyResponseIsAJudgedAnswerButNotADemonstration() throws IOException {
    // A model that stopped at once gave an answer people rank; there is nothing to imitate in it.
    Path c = write("c.jsonl", "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"\"}\n");
    assertThat(Jsonl.comparisons(c, ReadOptions.strict()).readAll().get(0).rejected()).isEmpty();
    Path r = write("r.jsonl", "{\"prompt\":\"p\",\"responses\":[\"\",\"b\"],\"ranks\":[2,1]}\n");
    assertThat(Jsonl.rankings(r, ReadOptions.strict()).readAll().get(0).responses())
        .containsExactly("", "b");
    Path d = write("d.jsonl", "{\"prompt\":\"p\",\"response\":\"\"}\n");
    assertThatThrownBy(() -> Jsonl.demonstrations(d, ReadOptions.strict()).readAll())
        .hasMessage(d + ":1: field 'response': must not be empty");
  }

  @Test
  void negativeMargin() throws IOException {
    DataFormatException e =
        comparisonError("{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"margin\":-2}");
    assertThat(e.field()).isEqualTo("margin");
  }

  @Test
  void rankingWithTooFewResponses() throws IOException {
    Path f = write("r.jsonl", "{\"prompt\":\"p\",\"responses\":[\"a\"],\"ranks\":[1]}\n");
    assertThatThrownBy(() -> Jsonl.rankings(f, ReadOptions.strict()).readAll())
        .hasMessage(f + ":1: field 'responses': a ranking needs K >= 2 responses, got 1");
  }

  @Test
  void rankListOfWrongLength() throws IOException {
    Path f =
        write("r.jsonl", "{\"prompt\":\"p\",\"responses\":[\"a\",\"b\",\"c\"],\"ranks\":[1,2]}\n");
    assertThatThrownBy(() -> Jsonl.rankings(f, ReadOptions.strict()).readAll())
        .hasMessage(f + ":1: field 'ranks': has 2 entries but 'responses' has 3");
  }

  @Test
  void rankThatIsNotAnInteger() throws IOException {
    Path f = write("r.jsonl", "{\"prompt\":\"p\",\"responses\":[\"a\",\"b\"],\"ranks\":[1,1.5]}\n");
    assertThatThrownBy(() -> Jsonl.rankings(f, ReadOptions.strict()).readAll())
        .hasMessage(f + ":1: field 'ranks[1]': expected an integer but found a number");
  }

  @Test
  void nonUtf8Bytes() throws IOException {
    Path f = dir.resolve("latin1.jsonl");
    byte[] bad =
        "{\"prompt\":\"caf\u00e9\",\"chosen\":\"a\",\"rejected\":\"b\"}\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    try (OutputStream out = Files.newOutputStream(f)) {
      out.write((GOOD + "\n").getBytes(StandardCharsets.UTF_8));
      out.write(bad);
      out.write((GOOD + "\n").getBytes(StandardCharsets.UTF_8));
    }
    assertThatThrownBy(() -> Jsonl.comparisons(f, ReadOptions.strict()).readAll())
        .hasMessage(f + ":2: not valid UTF-8 text (malformed byte sequence)");
    // Skipping loses only the bad line: the one after it still reads.
    RecordReader<Comparison> reader = Jsonl.comparisons(f, ReadOptions.skipping());
    assertThat(reader.readAll()).hasSize(2);
    assertThat(reader.report().skipped()).isEqualTo(1);
  }

  @Test
  void tenMegabyteLine() throws IOException {
    char[] huge = new char[10 << 20];
    Arrays.fill(huge, 'x');
    Path f =
        write(
            "huge.jsonl",
            GOOD
                + "\n{\"prompt\":\"p\",\"chosen\":\""
                + new String(huge)
                + "\",\"rejected\":\"b\"}\n"
                + GOOD
                + "\n");
    assertThatThrownBy(() -> Jsonl.comparisons(f, ReadOptions.strict()).readAll())
        .hasMessageStartingWith(f + ":2: line is longer than 4194304 bytes");
    RecordReader<Comparison> reader = Jsonl.comparisons(f, ReadOptions.skipping());
    assertThat(reader.readAll()).hasSize(2);
    assertThat(reader.report().toString()).isEqualTo("3 records: 2 accepted, 1 skipped");
    // A larger limit accepts it.
    assertThat(Jsonl.comparisons(f, ReadOptions.strict().withMaxLineBytes(11 << 20)).readAll())
        .hasSize(3);
  }

  @Test
  void truncatedGzip() throws IOException {
    Path full = dir.resolve("full.jsonl.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(full))) {
      for (int i = 0; i < 2000; i++) {
        out.write(("{\"prompt\":\"p" + i + "\",\"response\":\"r" + i + "\"}\n").getBytes());
      }
    }
    byte[] bytes = Files.readAllBytes(full);
    Path cut = dir.resolve("cut.jsonl.gz");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> Jsonl.demonstrations(cut, ReadOptions.skipping()).readAll())
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("cut.jsonl.gz:")
        .hasMessageContaining("truncated or corrupt");
    assertThat(Jsonl.demonstrations(full, ReadOptions.strict()).readAll()).hasSize(2000);
  }

  @Test
  void skipModeCountsAndKeepsGoodRecords() throws IOException {
    Path f =
        write(
            "mixed.jsonl",
            GOOD
                + "\n\n{bad\n"
                + GOOD
                + "\r\n{\"prompt\":\"p\",\"chosen\":7,\"rejected\":\"b\"}\n");
    RecordReader<Comparison> reader = Jsonl.comparisons(f, ReadOptions.skipping());
    assertThat(reader.readAll()).hasSize(2).allMatch(c -> c.rejected().equals("b"));
    assertThat(reader.report().skipped()).isEqualTo(2);
    assertThat(reader.report().problems())
        .extracting(DataFormatException::line)
        .containsExactly(3L, 5L);
  }

  @Test
  void goodFilesOfEachFormat() throws IOException {
    Path d = write("d.jsonl", "{\"prompt\":\"\",\"response\":\"Once\",\"extra\":1}\n");
    assertThat(Jsonl.demonstrations(d, ReadOptions.strict()).readAll())
        .containsExactly(new Demonstration("", "Once"));
    Path c =
        write("c.jsonl", "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"margin\":2}");
    assertThat(Jsonl.comparisons(c, ReadOptions.strict()).readAll().get(0).margin()).hasValue(2);
    Path r =
        write(
            "r.jsonl", "{\"prompt\":\"p\",\"responses\":[\"a\",\"b\",\"c\"],\"ranks\":[2,1,2]}\n");
    Ranking ranking = Jsonl.rankings(r, ReadOptions.strict()).readAll().get(0);
    assertThat(ranking.ranks()).containsExactly(2, 1, 2);
    assertThat(ranking.pairs()).hasSize(2);
  }

  @Test
  void writtenRankingsReadBack() throws IOException {
    List<Ranking> rankings =
        List.of(
            Ranking.of("p\n1", List.of("a \"quoted\"", "b"), List.of(2, 1)),
            new Ranking(
                "p2", List.of("x", "y", "z"), List.of(1, 1, 2), java.util.OptionalDouble.of(0.5)));
    Path f = dir.resolve("out/r.jsonl");
    Jsonl.writeRankings(f, rankings);
    assertThat(Jsonl.rankings(f, ReadOptions.strict()).readAll()).isEqualTo(rankings);
  }

  @Test
  void writtenDemonstrationsReadBack() throws IOException {
    List<io.rlhf4j.data.Demonstration> demos =
        List.of(
            new io.rlhf4j.data.Demonstration("", "é \u2603 \"x\"\n"),
            new io.rlhf4j.data.Demonstration("Once", " upon a time."));
    Path f = dir.resolve("out/d.jsonl");
    Jsonl.writeDemonstrations(f, demos);
    assertThat(Jsonl.demonstrations(f, ReadOptions.strict()).readAll()).isEqualTo(demos);
  }

  @Test
  void hhTranscriptErrors() throws IOException {
    Path f =
        write(
            "hh.jsonl",
            "{\"chosen\":\"\\n\\nHuman: hi\\n\\nAssistant: yo\","
                + "\"rejected\":\"\\n\\nHuman: hi there\"}\n");
    assertThatThrownBy(() -> HhRlhf.comparisons(f, ReadOptions.strict()).readAll())
        .hasMessage(f + ":1: field 'rejected': has no '\\n\\nAssistant:' turn");
    Path ok =
        write(
            "hh2.jsonl",
            "{\"chosen\":\"\\n\\nHuman: hi\\n\\nAssistant: yo\","
                + "\"rejected\":\"\\n\\nHuman: hi\\n\\nAssistant: \"}\n");
    Comparison c = HhRlhf.comparisons(ok, ReadOptions.strict()).readAll().get(0);
    assertThat(c.prompt() + c.chosen()).isEqualTo("\n\nHuman: hi\n\nAssistant: yo");
    assertThat(c.rejected()).isEqualTo(" ");
  }

  @Test
  void llmfaoErrorsNameFileLineAndField() throws IOException {
    Path folder = Files.createDirectory(dir.resolve("llmfao"));
    Files.writeString(
        folder.resolve(Llmfao.PAIRS_FILE),
        "{\"id\":0,\"prompt\":8,\"text\":\"q\",\"model_x\":1,\"result_x\":\"a\",\"model_y\":2,"
            + "\"result_y\":\"b\"}\n");
    Files.writeString(
        folder.resolve(Llmfao.VOTES_FILE),
        "id,prompt,model_x,model_y,worker,winner,left,right\n"
            + "0,8,1,2,5,left,\"A, with comma\",B\n"
            + "0,8,1,2,6,maybe,A,B\n");
    assertThatThrownBy(() -> Llmfao.read(folder))
        .hasMessage(
            folder.resolve(Llmfao.VOTES_FILE)
                + ":3: field 'winner': expected left, right or tie but found 'maybe'");
    Files.writeString(
        folder.resolve(Llmfao.VOTES_FILE),
        "id,prompt,model_x,model_y,worker,winner\n0,8,1,2,5,left\n9,8,1,2,5,tie\n");
    assertThatThrownBy(() -> Llmfao.read(folder))
        .hasMessageContaining(":3: field 'id': pair 9 is not in pairs-crowd.jsonl");
    Files.writeString(folder.resolve(Llmfao.VOTES_FILE), "id,prompt,model_x\n");
    assertThatThrownBy(() -> Llmfao.read(folder))
        .hasMessageContaining(":1: field 'model_y': column missing from the header");
    Files.writeString(
        folder.resolve(Llmfao.VOTES_FILE),
        "id,prompt,model_x,model_y,worker,winner\n0,8,1,2,5,left\n0,8,1,2,6,tie\n");
    assertThat(Llmfao.read(folder).majority())
        .extracting(Ranking::ranks)
        .containsExactly(List.of(1, 2));
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
            "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"margin\":1e999}\n"
                + GOOD_LINE);
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
    byte[] text = (GOOD_LINE + GOOD_LINE).getBytes(StandardCharsets.UTF_8);
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
    byte[] first = gzip(GOOD_LINE + GOOD_LINE);
    byte[] second = gzip(GOOD_LINE + GOOD_LINE + GOOD_LINE);
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
    byte[] bytes = gzip(GOOD_LINE);
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
    Path f = write("many.jsonl", GOOD_LINE.repeat(1000) + "{bad\n");
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
