package io.rlhf4j.data.read;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.data.Ranking;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LLMFAO crowd comparisons (Ustalov 2023): {@code crowd-comparisons.csv} holds one vote per line
 * (left, right or tie) from one of many workers, and {@code pairs-crowd.jsonl} the texts of each
 * pair. Reading joins the two by pair id and checks that they agree on prompt and models.
 *
 * <p>Empty model outputs are kept: an empty answer is a real outcome the crowd judged.
 */
public final class Llmfao {
  /** The file of pair texts inside an LLMFAO folder. */
  public static final String PAIRS_FILE = "pairs-crowd.jsonl";

  /** The file of crowd votes inside an LLMFAO folder. */
  public static final String VOTES_FILE = "crowd-comparisons.csv";

  private static final List<String> VOTE_COLUMNS =
      List.of("id", "prompt", "model_x", "model_y", "worker", "winner");

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Llmfao.class);

  private Llmfao() {}

  /** One vote: which side a worker preferred. {@code left} is always {@code model_x}. */
  public enum Outcome {
    LEFT,
    RIGHT,
    TIE
  }

  /** The texts of one compared pair. */
  public record Pair(
      long id,
      long promptId,
      String prompt,
      long modelX,
      long modelY,
      String resultX,
      String resultY) {}

  /** One worker's vote on one pair. */
  public record Vote(long pairId, long worker, Outcome outcome) {}

  /** The joined corpus. */
  public static final class Corpus {
    private final ImmutableMap<Long, Pair> pairs;
    private final ImmutableList<Vote> votes;
    private final ReadReport report;

    Corpus(Map<Long, Pair> pairs, List<Vote> votes, ReadReport report) {
      this.pairs = ImmutableMap.copyOf(pairs);
      this.votes = ImmutableList.copyOf(votes);
      this.report = report;
    }

    /** The votes accepted and, when reading with skipping, the lines skipped and why. */
    public ReadReport report() {
      return report;
    }

    /** The pairs by id, in file order. */
    public ImmutableMap<Long, Pair> pairs() {
      return pairs;
    }

    /** Every vote, in file order. */
    public ImmutableList<Vote> votes() {
      return votes;
    }

    /**
     * One K = 2 ranking per vote, ties as equal ranks (they add no training pair but keep the vote
     * count honest). Use this to weigh a pair by how many workers judged it.
     */
    public List<Ranking> perVote() {
      List<Ranking> out = new ArrayList<>(votes.size());
      for (Vote v : votes) {
        out.add(ranking(pairs.get(v.pairId()), v.outcome()));
      }
      return out;
    }

    /**
     * One ranking per pair by net vote: the side with more votes than the other wins, and a draw
     * between left and right (tie votes count for neither) is a tie.
     */
    public List<Ranking> majority() {
      Map<Long, int[]> tally = new LinkedHashMap<>();
      for (Vote v : votes) {
        int[] t = tally.computeIfAbsent(v.pairId(), id -> new int[3]);
        t[v.outcome().ordinal()]++;
      }
      List<Ranking> out = new ArrayList<>(tally.size());
      for (Map.Entry<Long, int[]> e : tally.entrySet()) {
        int[] t = e.getValue();
        Outcome outcome =
            t[Outcome.LEFT.ordinal()] > t[Outcome.RIGHT.ordinal()]
                ? Outcome.LEFT
                : t[Outcome.RIGHT.ordinal()] > t[Outcome.LEFT.ordinal()]
                    ? Outcome.RIGHT
                    : Outcome.TIE;
        out.add(ranking(pairs.get(e.getKey()), outcome));
      }
      return out;
    }

    private static Ranking ranking(Pair p, Outcome outcome) {
      List<Integer> ranks =
          switch (outcome) {
            case LEFT -> List.of(1, 2);
            case RIGHT -> List.of(2, 1);
            case TIE -> List.of(1, 1);
          };
      return Ranking.of(p.prompt(), List.of(p.resultX(), p.resultY()), ranks);
    }
  }

  /** Reads and joins an LLMFAO folder; strict: any bad line fails with its location. */
  public static Corpus read(Path folder) {
    return read(folder, ReadOptions.strict());
  }

  /**
   * Reads and joins an LLMFAO folder. With {@link ReadOptions#skipping()} a bad pair or vote line
   * is skipped, counted in {@code report} and logged; a bad header, or a file that cannot be read
   * at all, still fails.
   */
  public static Corpus read(Path folder, ReadOptions options) {
    return read(folder, options, new ReadReport());
  }

  static Corpus read(Path folder, ReadOptions options, ReadReport report) {
    if (!java.nio.file.Files.isDirectory(folder)) {
      throw new DataFormatException(
          folder,
          0,
          null,
          "expected the LLMFAO folder holding " + PAIRS_FILE + " and " + VOTES_FILE);
    }
    Path pairsFile = folder.resolve(PAIRS_FILE);
    Map<Long, Pair> pairs = new LinkedHashMap<>();
    try (RecordReader<Pair> reader = RecordReader.open(pairsFile, options, Llmfao::parsePair)) {
      while (reader.hasNext()) {
        Pair p = reader.next();
        if (pairs.putIfAbsent(p.id(), p) != null) {
          DataFormatException e =
              new DataFormatException(
                  pairsFile, reader.lineNumber(), "id", "duplicate pair id " + p.id());
          if (!options.skipInvalid()) {
            throw e;
          }
          report.skip(e);
        }
      }
    }
    Path votesFile = folder.resolve(VOTES_FILE);
    List<Vote> votes = new ArrayList<>();
    try (LineSource lines = new LineSource(votesFile, options.maxLineBytes())) {
      String header = nextLine(lines);
      if (header == null) {
        throw new DataFormatException(votesFile, 0, null, "file is empty");
      }
      List<String> names = Csv.split(votesFile, 1, header);
      int[] column = new int[VOTE_COLUMNS.size()];
      for (int c = 0; c < column.length; c++) {
        column[c] = names.indexOf(VOTE_COLUMNS.get(c));
        if (column[c] < 0) {
          throw new DataFormatException(
              votesFile, 1, VOTE_COLUMNS.get(c), "column missing from the header");
        }
      }
      while (true) {
        String text;
        try {
          text = lines.next(); // a corrupt file (not just a bad line) ends reading with an error
        } catch (LineSource.BadLineException e) {
          skipOrThrow(e.problem, options, report);
          continue;
        }
        if (text == null) {
          break;
        }
        if (text.isBlank()) {
          continue;
        }
        try {
          votes.add(parseVote(votesFile, lines.lineNumber(), text, column, names.size(), pairs));
          report.accept();
        } catch (DataFormatException e) {
          skipOrThrow(e, options, report);
        }
      }
    }
    return new Corpus(pairs, votes, report);
  }

  private static void skipOrThrow(DataFormatException e, ReadOptions options, ReadReport report) {
    if (!options.skipInvalid()) {
      throw e;
    }
    report.skip(e);
    LOG.warn("skipping record: {}", e.getMessage());
  }

  private static String nextLine(LineSource lines) {
    try {
      return lines.next();
    } catch (LineSource.BadLineException e) {
      throw e.problem;
    }
  }

  private static Pair parsePair(Path file, long line, String text) {
    JsonRecord r = JsonRecord.parse(file, line, text);
    return new Pair(
        r.integer("id"),
        r.integer("prompt"),
        r.string("text"),
        r.integer("model_x"),
        r.integer("model_y"),
        r.string("result_x"),
        r.string("result_y"));
  }

  private static Vote parseVote(
      Path file, long line, String text, int[] column, int width, Map<Long, Pair> pairs) {
    List<String> f = Csv.split(file, line, text);
    if (f.size() != width) {
      throw new DataFormatException(
          file, line, null, "has " + f.size() + " columns, the header has " + width);
    }
    long id = csvLong(file, line, "id", f.get(column[0]));
    Pair pair = pairs.get(id);
    if (pair == null) {
      throw new DataFormatException(file, line, "id", "pair " + id + " is not in " + PAIRS_FILE);
    }
    long prompt = csvLong(file, line, "prompt", f.get(column[1]));
    long modelX = csvLong(file, line, "model_x", f.get(column[2]));
    long modelY = csvLong(file, line, "model_y", f.get(column[3]));
    if (prompt != pair.promptId() || modelX != pair.modelX() || modelY != pair.modelY()) {
      throw new DataFormatException(
          file, line, "id", "prompt/model ids disagree with pair " + id + " in " + PAIRS_FILE);
    }
    long worker = csvLong(file, line, "worker", f.get(column[4]));
    String winner = f.get(column[5]);
    Outcome outcome =
        switch (winner) {
          case "left" -> Outcome.LEFT;
          case "right" -> Outcome.RIGHT;
          case "tie" -> Outcome.TIE;
          default ->
              throw new DataFormatException(
                  file, line, "winner", "expected left, right or tie but found '" + winner + "'");
        };
    return new Vote(id, worker, outcome);
  }

  private static long csvLong(Path file, long line, String field, String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new DataFormatException(
          file, line, field, "expected an integer but found '" + value + "'");
    }
  }
}
