package io.rlhf4j.label;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.data.Ranking;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * A round of human ranking: the items, who has ranked or skipped what, and the durable files that
 * hold it. Every submission is appended to the rankings file (the format {@code Jsonl.rankings}
 * reads, with {@code item}, {@code labeler}, {@code time} and {@code flags} as extra fields) and
 * forced to disk before it is acknowledged; skips go to a file beside it. Opening a session on
 * existing files continues where they stop, so a server killed mid-round loses nothing.
 *
 * <p>A share of items ({@code overlap}, chosen by a seeded hash) is shown to two people, so their
 * {@link #agreement()} can be measured; the others to one. Thread-safe: one lock guards the state.
 */
public final class LabelSession {
  /** What a flag on a response may say. */
  public static final Set<String> FLAGS = Set.of("", "unsafe", "broken");

  /** How long an item shown to a person is held for them by default. */
  public static final Duration DEFAULT_HOLD = Duration.ofMinutes(10);

  private static final Pattern LABELER = Pattern.compile("[A-Za-z0-9_.-]{1,32}");

  private final List<LabelItem> items;
  private final int[] needed; // labels each item needs: 1, or 2 when it is an overlap item
  private final DurableLog rankings;
  private final DurableLog skips;
  private final Clock clock;
  // Undo order: the log each labeler wrote to last, most recent last.
  private final Map<String, List<DurableLog>> history = new LinkedHashMap<>();
  // Items held for the person who was shown them: item -> labeler -> until when.
  private final Map<Integer, Map<String, Instant>> held = new HashMap<>();
  private Duration hold = DEFAULT_HOLD;
  private Instant lastStamp = Instant.MIN;
  private long lastChange = System.nanoTime();
  private boolean closed;

  private LabelSession(
      List<LabelItem> items, int[] needed, DurableLog rankings, DurableLog skips, Clock clock) {
    this.items = items;
    this.needed = needed;
    this.rankings = rankings;
    this.skips = skips;
    this.clock = clock;
  }

  /**
   * Opens a round: {@code items} to rank, written to {@code rankingsFile} (skips to the same name
   * ending {@code .skipped.jsonl}); continues whatever those files already hold.
   *
   * @param overlap the share of items shown to two people, in [0, 1]
   * @param seed chooses which items those are
   * @throws DataFormatException if the files hold labels of other items
   */
  public static LabelSession open(
      List<LabelItem> items, Path rankingsFile, double overlap, long seed, Clock clock)
      throws IOException {
    checkArgument(!items.isEmpty(), "a round needs items");
    checkArgument(overlap >= 0 && overlap <= 1, "overlap must be in [0, 1]");
    for (int i = 0; i < items.size(); i++) {
      checkArgument(items.get(i).id() == i, "item ids must be 0..N-1 in order");
    }
    int[] needed = new int[items.size()];
    for (int i = 0; i < needed.length; i++) {
      needed[i] =
          new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i).nextDouble() < overlap ? 2 : 1;
    }
    LabelSession s =
        new LabelSession(
            List.copyOf(items),
            needed,
            DurableLog.open(rankingsFile),
            DurableLog.open(skippedFile(rankingsFile)),
            checkNotNull(clock, "clock"));
    s.checkLogs();
    return s;
  }

  /** Where the skips of {@code rankingsFile} are kept. */
  public static Path skippedFile(Path rankingsFile) {
    String name = rankingsFile.getFileName().toString();
    String stem = name.endsWith(".jsonl") ? name.substring(0, name.length() - 6) : name;
    return rankingsFile.resolveSibling(stem + ".skipped.jsonl");
  }

  /**
   * Sets how long an item shown to a person stays held for them (default {@link #DEFAULT_HOLD}):
   * meanwhile others are shown other items, so two people never rank the same item unasked and
   * nobody's work is thrown away because someone else submitted first.
   */
  public synchronized LabelSession holdItemsFor(Duration v) {
    checkArgument(!v.isNegative(), "hold must be >= 0");
    hold = v;
    return this;
  }

  /**
   * The next item for {@code labeler}, held for them for a while, or empty when there is nothing
   * left for them (or everything left is held for others).
   */
  public synchronized Optional<LabelItem> next(String labeler) {
    checkLabeler(labeler);
    Instant now = Instant.now(clock);
    Map<Integer, List<String>> who = labellers();
    LabelItem free = null;
    for (LabelItem item : items) {
      List<String> by = who.getOrDefault(item.id(), List.of());
      if (by.contains(labeler) || by.size() >= needed[item.id()]) {
        continue;
      }
      if (holder(item.id(), labeler, now)) {
        free = item; // the one this person was shown comes back first
        break;
      }
      if (free == null && by.size() + heldByOthers(item.id(), labeler, now) < needed[item.id()]) {
        free = item;
      }
    }
    if (free == null) {
      return Optional.empty();
    }
    held.computeIfAbsent(free.id(), k -> new HashMap<>()).put(labeler, now.plus(hold));
    return Optional.of(free);
  }

  private boolean holder(int item, String labeler, Instant now) {
    Instant until = held.getOrDefault(item, Map.of()).get(labeler);
    return until != null && until.isAfter(now);
  }

  private int heldByOthers(int item, String labeler, Instant now) {
    int n = 0;
    for (Map.Entry<String, Instant> e : held.getOrDefault(item, Map.of()).entrySet()) {
      n += !e.getKey().equals(labeler) && e.getValue().isAfter(now) ? 1 : 0;
    }
    return n;
  }

  private void release(int item, String labeler) {
    Map<String, Instant> h = held.get(item);
    if (h != null) {
      h.remove(labeler);
    }
  }

  // Record times strictly increase, so the two files merge back into one time order (undo's).
  private String stamp() {
    Instant now = Instant.now(clock);
    lastStamp = now.isAfter(lastStamp) ? now : lastStamp.plusNanos(1000);
    return lastStamp.toString();
  }

  /**
   * Progress for the page.
   *
   * @param done items with all the labels they need
   * @param total items in the round
   * @param mine submissions and skips by this labeler
   */
  public record Progress(int done, int total, int mine) {}

  /** The round's progress, and {@code labeler}'s share of it. */
  public synchronized Progress progress(String labeler) {
    Map<Integer, List<String>> who = labellers();
    int done = 0;
    int mine = 0;
    for (LabelItem item : items) {
      List<String> by = who.getOrDefault(item.id(), List.of());
      done += by.size() >= needed[item.id()] ? 1 : 0;
      mine += Collections.frequency(by, labeler);
    }
    return new Progress(done, items.size(), mine);
  }

  /**
   * Records {@code labeler}'s ranking of {@code item}, on disk before it returns.
   *
   * @param ranks one per response, 1 best, equal ranks tie
   * @param flags one per response: "", "unsafe" or "broken"
   * @throws IllegalArgumentException if the ranking is malformed (nothing is written)
   * @throws IllegalStateException if the labeler already labelled the item or it needs no more
   */
  public synchronized void submit(String labeler, int item, List<Integer> ranks, List<String> flags)
      throws IOException {
    LabelItem it = eligible(labeler, item);
    int k = it.responses().size();
    checkArgument(ranks != null && ranks.size() == k, "ranks: expected %s entries", k);
    for (Integer r : ranks) {
      checkArgument(r != null && r >= 1 && r <= k, "ranks: each must be in 1..%s", k);
    }
    checkArgument(flags != null && flags.size() == k, "flags: expected %s entries", k);
    for (String f : flags) {
      checkArgument(f != null && FLAGS.contains(f), "flags: each must be '', 'unsafe' or 'broken'");
    }
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("prompt", it.prompt());
    record.put("responses", it.responses());
    record.put("ranks", List.copyOf(ranks));
    if (it.truncated().contains(true)) {
      record.put("truncated", it.truncated());
    }
    if (!it.turns().isEmpty()) {
      // Episodes keep their turns, so DPO can leave the environment's out (Jsonl.episodeRankings).
      List<List<Map<String, Object>>> episodes = new ArrayList<>();
      it.turns().forEach(e -> episodes.add(EpisodeDemonstration.Turn.toJson(e)));
      record.put("turns", episodes);
    }
    record.put("item", (long) item);
    record.put("labeler", labeler);
    record.put("time", stamp());
    record.put("flags", List.copyOf(flags));
    rankings.append(record);
    release(item, labeler);
    history.computeIfAbsent(labeler, l -> new ArrayList<>()).add(rankings);
  }

  /** Records that {@code labeler} skipped {@code item}. */
  public synchronized void skip(String labeler, int item) throws IOException {
    eligible(labeler, item);
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("item", (long) item);
    record.put("labeler", labeler);
    record.put("time", stamp());
    skips.append(record);
    release(item, labeler);
    history.computeIfAbsent(labeler, l -> new ArrayList<>()).add(skips);
  }

  /**
   * Takes back {@code labeler}'s last submission or skip (of this server's life, or found in the
   * files), so the item comes up again.
   *
   * @return whether there was one
   */
  public synchronized boolean undo(String labeler) throws IOException {
    checkLabeler(labeler);
    List<DurableLog> logs = history.getOrDefault(labeler, List.of());
    if (logs.isEmpty()) {
      return false;
    }
    DurableLog log = logs.remove(logs.size() - 1);
    List<Map<String, Object>> records = log.records();
    for (int i = records.size() - 1; i >= 0; i--) {
      if (labeler.equals(records.get(i).get("labeler"))) {
        log.remove(i);
        return true;
      }
    }
    return false;
  }

  /** Whether every item has the labels it needs. */
  public synchronized boolean complete() {
    Map<Integer, List<String>> who = labellers();
    for (LabelItem item : items) {
      if (who.getOrDefault(item.id(), List.of()).size() < needed[item.id()]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Closes a complete round: the server stops and the rankings are final.
   *
   * @throws IllegalStateException if items still need labels
   */
  public synchronized void close() {
    if (!complete()) {
      throw new IllegalStateException("the round is not complete: it cannot be closed yet");
    }
    closed = true;
    notifyAll();
  }

  /** Whether the round was closed (by {@link #close} or by lingering complete). */
  public synchronized boolean closed() {
    return closed;
  }

  /**
   * Waits until the round is closed: by {@link #close}, or by staying complete for {@code linger}
   * with no change (so the last person can still undo), or until {@code timeout} passes.
   *
   * @return whether the round completed
   */
  public synchronized boolean awaitClosed(Duration timeout, Duration linger)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!closed) {
      long now = System.nanoTime();
      if (complete() && now - lastChange >= linger.toNanos()) {
        closed = true;
        break;
      }
      long left = end - now;
      if (left <= 0) {
        return complete();
      }
      wait(Math.max(1, Math.min(left / 1_000_000, 100)));
    }
    return true;
  }

  /** Seconds a complete round stays open for undo before {@code linger} closes it. */
  public synchronized long secondsToClose(Duration linger) {
    return Math.max(0, (linger.toNanos() - (System.nanoTime() - lastChange)) / 1_000_000_000L);
  }

  /** Wakes {@link #awaitClosed} callers; the server calls it after every change. */
  public synchronized void changed() {
    lastChange = System.nanoTime();
    notifyAll();
  }

  /** Every ranking submitted so far, in the order they were made. */
  public synchronized List<Ranking> rankings() {
    List<Ranking> out = new ArrayList<>();
    for (Map<String, Object> r : rankings.records()) {
      LabelItem it = items.get(item(r));
      out.add(
          new Ranking(
              it.prompt(), it.responses(), ranks(r), OptionalDouble.empty(), it.truncated()));
    }
    return out;
  }

  /** Agreement between people on the items two of them ranked. */
  public synchronized Agreement agreement() {
    Map<Long, Map<String, List<Integer>>> byItem = new LinkedHashMap<>();
    for (Map<String, Object> r : rankings.records()) {
      byItem
          .computeIfAbsent((long) item(r), k -> new LinkedHashMap<>())
          .put((String) r.get("labeler"), ranks(r));
    }
    int compared = 0;
    int pairs = 0;
    int agreed = 0;
    for (Map<String, List<Integer>> byLabeler : byItem.values()) {
      List<List<Integer>> rs = new ArrayList<>(byLabeler.values());
      if (rs.size() < 2) {
        continue;
      }
      compared++;
      for (int a = 0; a < rs.size(); a++) {
        for (int b = a + 1; b < rs.size(); b++) {
          int[] c = Agreement.compare(rs.get(a), rs.get(b));
          pairs += c[0];
          agreed += c[1];
        }
      }
    }
    return new Agreement(compared, pairs, agreed);
  }

  /** The round's items. */
  public List<LabelItem> items() {
    return items;
  }

  /** Whether {@code item} is shown to two people. */
  public boolean isOverlap(int item) {
    return needed[item] == 2;
  }

  private LabelItem eligible(String labeler, int item) {
    checkLabeler(labeler);
    checkArgument(item >= 0 && item < items.size(), "item: no item %s in this round", item);
    List<String> by = labellers().getOrDefault(item, List.of());
    if (by.contains(labeler)) {
      throw new IllegalStateException("item " + item + " was already labelled by " + labeler);
    }
    if (by.size() >= needed[item]) {
      throw new IllegalStateException("item " + item + " needs no more labels");
    }
    if (by.size() + heldByOthers(item, labeler, Instant.now(clock)) >= needed[item]) {
      throw new IllegalStateException("item " + item + " is held for someone else ranking it");
    }
    return items.get(item);
  }

  private static void checkLabeler(String labeler) {
    checkArgument(
        labeler != null && LABELER.matcher(labeler).matches(),
        "labeler: 1 to 32 letters, digits, '.', '_' or '-'");
  }

  // Who has ranked or skipped each item, derived from the two files' records.
  private Map<Integer, List<String>> labellers() {
    Map<Integer, List<String>> who = new HashMap<>();
    for (DurableLog log : List.of(rankings, skips)) {
      for (Map<String, Object> r : log.records()) {
        who.computeIfAbsent(item(r), k -> new ArrayList<>()).add((String) r.get("labeler"));
      }
    }
    return who;
  }

  private static int item(Map<String, Object> record) {
    return ((Long) record.get("item")).intValue();
  }

  private static List<Integer> ranks(Map<String, Object> record) {
    List<Integer> ranks = new ArrayList<>();
    for (Object v : (List<?>) record.get("ranks")) {
      ranks.add(((Long) v).intValue());
    }
    return ranks;
  }

  // Files from an earlier life of this round must be about these items; undo history is rebuilt
  // in time order across both files (rankings and skips interleave).
  private void checkLogs() {
    List<Object[]> written = new ArrayList<>(); // {time, log}
    for (DurableLog log : List.of(rankings, skips)) {
      List<Map<String, Object>> records = log.records();
      for (int line = 0; line < records.size(); line++) {
        Map<String, Object> r = records.get(line);
        if (!(r.get("item") instanceof Long id) || id < 0 || id >= items.size()) {
          throw new DataFormatException(log.file(), line + 1, "item", "not an item of this round");
        }
        if (!(r.get("labeler") instanceof String)) {
          throw new DataFormatException(log.file(), line + 1, "labeler", "is missing");
        }
        if (log == rankings && !items.get(id.intValue()).prompt().equals(r.get("prompt"))) {
          throw new DataFormatException(
              log.file(), line + 1, "prompt", "differs from item " + id + "'s: another round?");
        }
        Instant time;
        try {
          time = Instant.parse(String.valueOf(r.get("time")));
        } catch (java.time.format.DateTimeParseException e) {
          throw new DataFormatException(log.file(), line + 1, "time", "not an ISO-8601 instant");
        }
        written.add(new Object[] {time, log, r.get("labeler")});
        lastStamp = time.isAfter(lastStamp) ? time : lastStamp;
      }
    }
    // Stable: within one file, equal times keep file order.
    written.sort((a, b) -> ((Instant) a[0]).compareTo((Instant) b[0]));
    for (Object[] w : written) {
      history.computeIfAbsent((String) w[2], l -> new ArrayList<>()).add((DurableLog) w[1]);
    }
  }
}
