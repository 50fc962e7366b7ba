package io.rlhf4j.label;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.rlhf4j.data.Labeler;
import io.rlhf4j.data.Ranking;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Labeler} that asks people: each round's requests are published to the ranking web app
 * ({@link LabelServer}), and {@link #rankAll} blocks until they are ranked or the deadline passes.
 * It then returns what people ranked (skipped prompts are left out; an item two people ranked gives
 * two rankings). With no ranking at all by the deadline it throws, so a pipeline never trains on
 * nothing.
 *
 * <p>A round's labels are kept in {@code folder/labels-HASH.jsonl}, named by a hash of the round's
 * prompts and responses: a restarted pipeline, whose seeded samples are the same, reopens the file
 * and people continue where they stopped.
 */
public final class BrowserLabeler implements Labeler {
  private static final Logger LOG = LoggerFactory.getLogger(BrowserLabeler.class);

  private final Path folder;
  private final InetAddress bind;
  private final int port;
  private final String token;
  private final double overlap;
  private final long seed;
  private final Duration deadline;
  private final Duration linger;
  private final Duration hold;
  private final Consumer<URI> announce;

  private BrowserLabeler(Builder b) {
    this.folder = b.folder;
    this.bind = b.bind;
    this.port = b.port;
    this.token = b.token;
    this.overlap = b.overlap;
    this.seed = b.seed;
    this.deadline = b.deadline;
    this.linger = b.linger;
    this.hold = b.hold;
    this.announce = b.announce;
  }

  /** A labeler writing its rounds' labels under {@code folder}. */
  public static Builder builder(Path folder) {
    return new Builder(folder);
  }

  @Override
  public Ranking rank(String prompt, List<String> responses) {
    List<Ranking> ranked = rankAll(List.of(new Request(prompt, responses)));
    checkState(!ranked.isEmpty(), "the prompt was skipped or the deadline passed: %s", prompt);
    return ranked.get(0);
  }

  @Override
  public List<Ranking> rankAll(List<Request> requests) {
    checkArgument(!requests.isEmpty(), "nothing to rank");
    List<LabelItem> items = new ArrayList<>();
    for (Request r : requests) {
      items.add(new LabelItem(items.size(), r.prompt(), r.responses(), r.truncated()));
    }
    Path file = folder.resolve("labels-" + hash(requests) + ".jsonl");
    try {
      LabelSession session = LabelSession.open(items, file, overlap, seed, Clock.systemUTC());
      boolean complete =
          LabelServer.serveUntilClosed(
              session.holdItemsFor(hold), bind, port, token, deadline, linger, announce);
      List<Ranking> rankings = session.rankings();
      LOG.info(
          "{}: {} rankings of {} prompts{}; agreement {}",
          complete ? "round complete" : "deadline passed",
          rankings.size(),
          items.size(),
          complete ? "" : " (the rest stay unranked)",
          session.agreement().describe());
      checkState(
          !rankings.isEmpty(),
          "no ranking arrived before the deadline (%s); %s holds the round",
          deadline,
          file);
      return rankings;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for people", e);
    }
  }

  private static String hash(List<Request> requests) {
    Hasher h = Hashing.sha256().newHasher();
    for (Request r : requests) {
      h.putInt(r.prompt().length()).putString(r.prompt(), StandardCharsets.UTF_8);
      for (String s : r.responses()) {
        h.putInt(s.length()).putString(s, StandardCharsets.UTF_8);
      }
    }
    return h.hash().toString().substring(0, 12);
  }

  /** Builds a {@link BrowserLabeler}. */
  public static final class Builder {
    private final Path folder;
    private InetAddress bind = InetAddress.getLoopbackAddress();
    private int port = 8765;
    private String token;
    private double overlap = 0.1;
    private long seed = 0;
    private Duration deadline = Duration.ofDays(7);
    private Duration linger = LabelServer.DEFAULT_LINGER;
    private Duration hold = LabelSession.DEFAULT_HOLD;
    private Consumer<URI> announce =
        uri -> System.err.println("rank this round in a browser: " + uri + "&labeler=YOUR_NAME");

    private Builder(Path folder) {
      this.folder = checkNotNull(folder, "folder");
    }

    /** The address to listen on (default: loopback only). */
    public Builder bind(InetAddress v) {
      bind = checkNotNull(v, "bind");
      return this;
    }

    /** The port (default 8765; 0 for any free one). */
    public Builder port(int v) {
      checkArgument(v >= 0 && v <= 65535, "port must be in 0..65535");
      port = v;
      return this;
    }

    /** The access token (default: a random one per round). */
    public Builder token(String v) {
      token = v;
      return this;
    }

    /** Share of prompts shown to two people, for agreement (default 0.1). */
    public Builder overlap(double v) {
      overlap = v;
      return this;
    }

    /** Seed of which prompts overlap. */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** How long a round waits for people (default 7 days). */
    public Builder deadline(Duration v) {
      checkArgument(!v.isNegative() && !v.isZero(), "deadline must be positive");
      deadline = v;
      return this;
    }

    /**
     * How long a complete round stays open so the last person can still undo, unless someone closes
     * it from the page (default {@link LabelServer#DEFAULT_LINGER}).
     */
    public Builder linger(Duration v) {
      checkArgument(!v.isNegative(), "linger must be >= 0");
      linger = v;
      return this;
    }

    /**
     * How long an item shown to one person is held for them before others may be shown it (default
     * {@link LabelSession#DEFAULT_HOLD}).
     */
    public Builder hold(Duration v) {
      checkArgument(!v.isNegative(), "hold must be >= 0");
      hold = v;
      return this;
    }

    /** Who is told the link of each round (default: printed on stderr). */
    public Builder announce(Consumer<URI> v) {
      announce = checkNotNull(v, "announce");
      return this;
    }

    /** The labeler. */
    public BrowserLabeler build() {
      return new BrowserLabeler(this);
    }
  }
}
