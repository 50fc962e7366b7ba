package io.rlhf4j.data.read;

import io.rlhf4j.data.ChatComparison;
import io.rlhf4j.data.ChatMessage;
import io.rlhf4j.data.Comparison;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.data.EpisodeRanking;
import io.rlhf4j.data.LabeledCompletion;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.internal.json.JsonWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * The plain JSONL formats of rlhf4j (one JSON object per line, UTF-8, gzip allowed):
 *
 * <ul>
 *   <li>demonstrations: {@code {"prompt": "...", "response": "..."}} (optional {@code "truncated":
 *       true} for a sampled response cut off at the length cap)
 *   <li>comparisons: {@code {"prompt": "...", "chosen": "...", "rejected": "...", "margin": 0.5}}
 *       ({@code margin} optional)
 *   <li>rankings: {@code {"prompt": "...", "responses": ["a", "b", "c"], "ranks": [2, 1, 2]}} (rank
 *       1 is best; equal ranks are ties; optional {@code margin}; optional {@code "truncated":
 *       [false, true, false]}, one flag per response)
 * </ul>
 *
 * <p>Prompts may be empty. A demonstration's response must not be empty (there would be nothing to
 * learn); a compared or ranked response may be, since a model that stops at once gave a real answer
 * that people judge (HH-RLHF and LLMFAO hold such answers). Without {@code truncated} a response is
 * finished, as text people write is. Unknown fields are ignored, as TRL and OpenRLHF datasets often
 * carry extra metadata columns.
 */
public final class Jsonl {
  private Jsonl() {}

  /**
   * Streams records of any layout: {@code parse} turns each line's {@link JsonRecord} into a {@code
   * T}, and its errors are located at the line like the readers' own.
   */
  public static <T> RecordReader<T> records(
      Path file, ReadOptions options, Function<JsonRecord, T> parse) {
    return RecordReader.open(
        file, options, (f, line, text) -> parse.apply(JsonRecord.parse(f, line, text)));
  }

  /** Streams demonstrations from {@code file}, strictly: the first bad line stops the read. */
  public static RecordReader<Demonstration> demonstrations(Path file) {
    return demonstrations(file, ReadOptions.strict());
  }

  /** Streams demonstrations from {@code file}. */
  public static RecordReader<Demonstration> demonstrations(Path file, ReadOptions options) {
    return demonstrations(file, options, FieldNames.DEFAULT);
  }

  /** Streams demonstrations from {@code file}, reading the fields {@code names} names. */
  public static RecordReader<Demonstration> demonstrations(
      Path file, ReadOptions options, FieldNames names) {
    return records(
        file,
        options,
        r -> {
          return new Demonstration(
              r.string(names.prompt()),
              r.nonEmptyString(names.response()),
              r.optionalBoolean("truncated", false));
        });
  }

  /**
   * Streams unpaired completions, each judged good or bad on its own, in TRL's unpaired preference
   * layout ({@code {"prompt": ..., "completion": ..., "label": true}}), for KTO.
   */
  public static RecordReader<LabeledCompletion> labeledCompletions(Path file, ReadOptions options) {
    return records(
        file,
        options,
        r -> new LabeledCompletion(r.string("prompt"), r.string("completion"), r.bool("label")));
  }

  /**
   * Streams ranked episodes from {@code file}: {@code {"prompt", "turns": [[{"text", "policy"},
   * ...], ...], "ranks": [...]}}, as the ranking page saves episodes.
   */
  public static RecordReader<EpisodeRanking> episodeRankings(Path file, ReadOptions options) {
    return records(
        file,
        options,
        r -> {
          List<List<EpisodeDemonstration.Turn>> episodes = r.episodes("turns");
          if (episodes.size() < 2) {
            throw r.error("turns", "a ranking needs K >= 2 episodes, got " + episodes.size());
          }
          List<Integer> ranks = r.integers("ranks");
          if (ranks.size() != episodes.size()) {
            throw r.error("ranks", "has " + ranks.size() + " entries for " + episodes.size());
          }
          return new EpisodeRanking(r.string("prompt"), episodes, ranks);
        });
  }

  /** Streams pairwise comparisons from {@code file}. */
  public static RecordReader<Comparison> comparisons(Path file, ReadOptions options) {
    return comparisons(file, options, FieldNames.DEFAULT);
  }

  /** Streams pairwise comparisons from {@code file}, reading the fields {@code names} names. */
  public static RecordReader<Comparison> comparisons(
      Path file, ReadOptions options, FieldNames names) {
    return records(
        file,
        options,
        r -> {
          return new Comparison(
              r.string(names.prompt()),
              r.string(names.chosen()),
              r.string(names.rejected()),
              margin(r));
        });
  }

  /**
   * Streams labelled pairs (two responses and a number saying which is better, as PRD's expert
   * judgements and many crowd sets ship them) as rankings of K = 2: a negative label prefers the
   * first response, a positive one the second, zero ties them.
   */
  public static RecordReader<Ranking> labelledPairs(
      Path file, ReadOptions options, FieldNames names) {
    return records(
        file,
        options,
        r -> {
          String prompt = r.string(names.prompt());
          List<String> responses = List.of(r.string(names.first()), r.string(names.second()));
          long label = r.integer(names.label());
          List<Integer> ranks =
              label < 0 ? List.of(1, 2) : label > 0 ? List.of(2, 1) : List.of(1, 1);
          return new Ranking(
              prompt, responses, ranks, OptionalDouble.empty(), List.of(false, false));
        });
  }

  /**
   * Streams conversations: each record's {@code messages} (as {@code names} names the field), a
   * list of {@code {"role": ..., "content": ...}} objects.
   */
  public static RecordReader<List<ChatMessage>> conversations(
      Path file, ReadOptions options, FieldNames names) {
    return records(file, options, r -> r.messages(names.messages()));
  }

  /**
   * Streams conversational comparisons in TRL's layout: {@code prompt}, {@code chosen} and {@code
   * rejected} each a list of messages.
   */
  public static RecordReader<ChatComparison> chatComparisons(
      Path file, ReadOptions options, FieldNames names) {
    return records(
        file,
        options,
        r -> {
          return new ChatComparison(
              r.messages(names.prompt()), r.messages(names.chosen()), r.messages(names.rejected()));
        });
  }

  /** Streams K-wise rankings from {@code file}, strictly: the first bad line stops the read. */
  public static RecordReader<Ranking> rankings(Path file) {
    return rankings(file, ReadOptions.strict());
  }

  /** Streams K-wise rankings from {@code file}. */
  public static RecordReader<Ranking> rankings(Path file, ReadOptions options) {
    return rankings(file, options, FieldNames.DEFAULT);
  }

  /** Streams K-wise rankings from {@code file}, reading the fields {@code names} names. */
  public static RecordReader<Ranking> rankings(Path file, ReadOptions options, FieldNames names) {
    return records(
        file,
        options,
        r -> {
          String prompt = r.string(names.prompt());
          List<String> responses = r.strings(names.responses());
          if (responses.size() < 2) {
            throw r.error(
                names.responses(), "a ranking needs K >= 2 responses, got " + responses.size());
          }
          List<Integer> ranks = r.integers(names.ranks());
          if (ranks.size() != responses.size()) {
            throw r.error(
                names.ranks(),
                "has "
                    + ranks.size()
                    + " entries but '"
                    + names.responses()
                    + "' has "
                    + responses.size());
          }
          for (int i = 0; i < ranks.size(); i++) {
            if (ranks.get(i) < 1) {
              throw r.error(
                  names.ranks() + "[" + i + "]", "ranks start at 1 (best), got " + ranks.get(i));
            }
          }
          return new Ranking(
              prompt,
              responses,
              ranks,
              margin(r),
              r.optionalBooleans("truncated", responses.size(), false));
        });
  }

  /**
   * Writes rankings in the format {@link #rankings} reads, atomically (a temporary file renamed
   * into place), so collected human labels are never half-written.
   */
  public static void writeRankings(Path file, List<Ranking> rankings) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Ranking r : rankings) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("prompt", r.prompt());
      line.put("responses", r.responses());
      line.put("ranks", r.ranks());
      r.margin().ifPresent(m -> line.put("margin", m));
      if (r.anyTruncated()) {
        line.put("truncated", r.truncated());
      }
      JsonWriter.append(sb, line);
      sb.append('\n');
    }
    writeAtomically(file, sb);
  }

  /** Writes demonstrations in the format {@link #demonstrations} reads, atomically. */
  public static void writeDemonstrations(Path file, List<Demonstration> demonstrations)
      throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Demonstration d : demonstrations) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("prompt", d.prompt());
      line.put("response", d.response());
      if (d.truncated()) {
        line.put("truncated", true);
      }
      JsonWriter.append(sb, line);
      sb.append('\n');
    }
    writeAtomically(file, sb);
  }

  private static void writeAtomically(Path file, CharSequence text) throws IOException {
    AtomicFiles.writeString(file, text);
  }

  private static OptionalDouble margin(JsonRecord r) {
    OptionalDouble margin = r.optionalNumber("margin");
    if (margin.isPresent() && margin.getAsDouble() < 0) {
      throw r.error("margin", "must be >= 0, got " + margin.getAsDouble());
    }
    return margin;
  }
}
