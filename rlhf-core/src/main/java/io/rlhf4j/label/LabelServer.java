package io.rlhf4j.label;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import io.rlhf4j.internal.json.JsonWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ranking web app: serves one page and a small JSON API over a {@link LabelSession}, on the
 * JDK's own HTTP server ({@code com.sun.net.httpserver}, in every JDK since 6): a page and five
 * endpoints need no framework, and the library gains no dependency.
 *
 * <p>Safe by default: it binds to the loopback address unless told otherwise; every request must
 * carry the access token (in the link's {@code t} parameter for the page, in an {@code X-Token}
 * header for the API); request bodies are capped at {@value #MAX_BODY} bytes and each client
 * address at {@value #RATE} requests per second; a bad request gets a 4xx answer with a one-line
 * {@code error} and changes nothing. The page shows model outputs only as text ({@code
 * textContent}), and its Content-Security-Policy allows no inline script, so a response containing
 * {@code <script>} renders as those characters.
 */
public final class LabelServer implements AutoCloseable {
  /** The largest request body accepted, in bytes. */
  public static final int MAX_BODY = 16 * 1024;

  /**
   * Requests per second allowed for one labeler (bursts up to twice that); requests without the
   * token are counted apart, per address, so they cannot use up a labeler's allowance.
   */
  public static final int RATE = 20;

  /** Seconds a client may take to send a request, or to read its answer, before it is cut off. */
  public static final int REQUEST_SECONDS = 5;

  /** How long a complete round stays open for undo by default. */
  public static final Duration DEFAULT_LINGER = Duration.ofMinutes(5);

  private static final String COOKIE = "rlhf4j_token";

  private static final Logger LOG = LoggerFactory.getLogger(LabelServer.class);
  private static final Map<String, String> STATIC =
      Map.of(
          "/label.js", "label.js",
          "/label.css", "label.css");
  private static final Map<String, String> TYPES =
      Map.of(
          "label.html", "text/html; charset=utf-8",
          "label.js", "text/javascript; charset=utf-8",
          "label.css", "text/css; charset=utf-8");

  private final LabelSession session;
  private final HttpServer server;
  private final ExecutorService executor;
  private final String token;
  private final Map<String, double[]> buckets = new HashMap<>(); // who -> {tokens, last ns}
  private final Duration linger;

  private LabelServer(
      LabelSession session, HttpServer server, ExecutorService e, String token, Duration linger) {
    this.session = session;
    this.server = server;
    this.executor = e;
    this.token = token;
    this.linger = linger;
  }

  /**
   * Starts serving {@code session}; a complete round stays open {@link #DEFAULT_LINGER} for undo.
   *
   * @param bind the address to listen on (loopback unless people on other machines label)
   * @param port the port, or 0 for any free one
   * @param token the access token, or null to draw a random one
   */
  public static LabelServer start(LabelSession session, InetAddress bind, int port, String token)
      throws IOException {
    return start(session, bind, port, token, DEFAULT_LINGER);
  }

  /**
   * Starts serving {@code session}.
   *
   * @param linger how long a complete round stays open (for undo) before it closes by itself; the
   *     page's "Close the round" closes it at once
   */
  public static LabelServer start(
      LabelSession session, InetAddress bind, int port, String token, Duration linger)
      throws IOException {
    checkNotNull(session, "session");
    checkArgument(token == null || token.length() >= 16, "a token needs at least 16 characters");
    checkArgument(!linger.isNegative(), "linger must be >= 0");
    String t = token != null ? token : newToken();
    // The JDK's server reads a request on its executor's thread and by default waits forever for
    // a client that stalls mid-request; these limits (read once per JVM, when its first server
    // starts) cut such a client off. An application that set them itself keeps its values.
    for (String limit : List.of("maxReqTime", "maxRspTime")) {
      if (System.getProperty("sun.net.httpserver." + limit) == null) {
        System.setProperty("sun.net.httpserver." + limit, String.valueOf(REQUEST_SECONDS));
      }
    }
    HttpServer http = HttpServer.create(new InetSocketAddress(bind, port), 0);
    // A thread per request in flight: stalled clients hold theirs only until the limit above, so
    // they never keep others waiting (a fixed pool of 4 let 4 stalled connections freeze it).
    ExecutorService pool =
        Executors.newCachedThreadPool(
            r -> {
              Thread th = new Thread(r, "rlhf4j-label");
              th.setDaemon(true);
              return th;
            });
    http.setExecutor(pool);
    LabelServer s = new LabelServer(session, http, pool, t, linger);
    http.createContext("/", s::handle);
    http.start();
    LOG.info("labelling server at {}", s.address());
    return s;
  }

  /**
   * Serves {@code session} until the round is closed (complete and then closed from the page or by
   * {@code linger}) or {@code timeout} passes, telling {@code announce} the link first; then stops,
   * letting answers in flight finish.
   *
   * @return whether the round completed
   */
  public static boolean serveUntilClosed(
      LabelSession session,
      InetAddress bind,
      int port,
      String token,
      Duration timeout,
      Duration linger,
      Consumer<URI> announce)
      throws IOException, InterruptedException {
    try (LabelServer server = start(session, bind, port, token, linger)) {
      announce.accept(server.link());
      return session.awaitClosed(timeout, linger);
    }
  }

  private static String newToken() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** The link to give people: address, port and token (add {@code &labeler=NAME}). */
  public URI link() {
    return URI.create(address() + "/?t=" + token);
  }

  // Where the server listens, without the token (for logs).
  private String address() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().isAnyLocalAddress() ? "localhost" : a.getHostString();
    return "http://" + host + ":" + a.getPort();
  }

  /** The session this server serves. */
  public LabelSession session() {
    return session;
  }

  @Override
  public void close() {
    // Lets answers in flight finish (the last submission's reply, sent as the round completes);
    // returns as soon as they have.
    server.stop(2);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Headers h = ex.getResponseHeaders();
      h.set("X-Content-Type-Options", "nosniff");
      h.set("Cache-Control", "no-store");
      // The page's address held the token once; no request may carry it elsewhere.
      h.set("Referrer-Policy", "no-referrer");
      h.set(
          "Content-Security-Policy",
          "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
              + " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
      try {
        route(ex);
      } catch (RuntimeException | IOException e) {
        // One line in the log and, when the answer has not started, one line to the client: a
        // failed write was already undone (DurableLog), so a retry is safe.
        LOG.warn("labelling request {} failed: {}", ex.getRequestURI().getPath(), e.toString());
        if (ex.getResponseCode() == -1) {
          reply(ex, 500, error("the server could not do that: " + e.getMessage()));
        }
      }
    }
  }

  private void route(HttpExchange ex) throws IOException {
    String address = ex.getRemoteAddress().getAddress().getHostAddress();
    String path = ex.getRequestURI().getPath();
    Map<String, String> query = query(ex.getRequestURI().getRawQuery());
    if (path.equals("/label.js") || path.equals("/label.css")) {
      // The script and style hold no data and need no token.
      if (!allow("address " + address)) {
        reply(ex, 429, error("too many requests; slow down"));
      } else if (!ex.getRequestMethod().equals("GET")) {
        reply(ex, 405, error("use GET"));
      } else {
        serveStatic(ex, STATIC.get(path));
      }
      return;
    }
    boolean page = path.equals("/");
    String given =
        page
            ? Optional.ofNullable(query.get("t")).orElse(cookie(ex))
            : ex.getRequestHeaders().getFirst("X-Token");
    if (!tokenOk(given)) {
      // Counted apart from labelers: requests without the token use up only their own budget.
      int status =
          allow("address " + address) ? (page || path.startsWith("/api/") ? 403 : 404) : 429;
      reply(
          ex,
          status,
          error(
              status == 429
                  ? "too many requests; slow down"
                  : page
                      ? "a valid access token is required (the link's t parameter)"
                      : "a valid access token is required (X-Token header)"));
      return;
    }
    // Labelers behind one proxy share an address, so each is counted by name.
    String who = ex.getRequestHeaders().getFirst("X-Labeler");
    if (who == null) {
      who = query.get("labeler");
    }
    if (!allow(who == null ? "token " + address : "labeler " + who)) {
      reply(ex, 429, error("too many requests; slow down"));
      return;
    }
    if (page) {
      if (!ex.getRequestMethod().equals("GET")) {
        reply(ex, 405, error("use GET"));
        return;
      }
      // The page drops the token from its address (history, bookmarks, screen shares); the
      // cookie lets a reload in the same browser in again. The API still needs the X-Token
      // header, which no other site can send, so the cookie opens no door to forged requests.
      ex.getResponseHeaders()
          .add("Set-Cookie", COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
      serveStatic(ex, "label.html");
      return;
    }
    if (!path.startsWith("/api/")) {
      reply(ex, 404, error("no such page"));
      return;
    }
    api(ex, path.substring("/api/".length()), query);
  }

  private static String cookie(HttpExchange ex) {
    for (String header : ex.getRequestHeaders().getOrDefault("Cookie", List.of())) {
      for (String part : header.split(";")) {
        String p = part.trim();
        if (p.startsWith(COOKIE + "=")) {
          return p.substring(COOKIE.length() + 1);
        }
      }
    }
    return null;
  }

  private void api(HttpExchange ex, String endpoint, Map<String, String> query) throws IOException {
    boolean post = ex.getRequestMethod().equals("POST");
    try {
      switch (endpoint) {
        case "state" -> {
          requireMethod(!post, "GET");
          reply(ex, 200, state(query.get("labeler")));
        }
        case "submit" -> {
          requireMethod(post, "POST");
          Map<String, Object> body = body(ex);
          // The cards come shuffled and unranked; a ranking nobody made (Enter on the order the
          // page happened to show) is refused.
          checkArgument(
              Boolean.TRUE.equals(body.get("ordered")),
              "ordered: put the cards in order first (drag them, or use the keys), then submit");
          session.submit(
              string(body, "labeler"),
              integer(body, "item"),
              integers(body, "ranks"),
              strings(body, "flags"));
          reply(ex, 200, state(string(body, "labeler")));
          session.changed(); // after the reply: a waiting pipeline may close the server
        }
        case "skip" -> {
          requireMethod(post, "POST");
          Map<String, Object> body = body(ex);
          session.skip(string(body, "labeler"), integer(body, "item"));
          reply(ex, 200, state(string(body, "labeler")));
          session.changed();
        }
        case "undo" -> {
          requireMethod(post, "POST");
          Map<String, Object> body = body(ex);
          if (!session.undo(string(body, "labeler"))) {
            reply(ex, 409, error("nothing to undo"));
            return;
          }
          reply(ex, 200, state(string(body, "labeler")));
          session.changed();
        }
        case "close" -> {
          requireMethod(post, "POST");
          String labeler = string(body(ex), "labeler");
          session.close();
          reply(ex, 200, state(labeler));
          session.changed();
        }
        case "agreement" -> {
          requireMethod(!post, "GET");
          Agreement a = session.agreement();
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("items", a.items());
          out.put("pairs", a.pairs());
          out.put("agreed", a.agreed());
          out.put("rate", a.pairs() == 0 ? null : a.rate());
          reply(ex, 200, out);
        }
        default -> reply(ex, 404, error("no such endpoint: " + endpoint));
      }
    } catch (MethodException e) {
      reply(ex, 405, error(e.getMessage()));
    } catch (TooLargeException e) {
      reply(ex, 413, error(e.getMessage()));
    } catch (IllegalArgumentException | JsonParseException | ClassCastException e) {
      reply(ex, 400, error(e.getMessage()));
    } catch (IllegalStateException e) {
      reply(ex, 409, error(e.getMessage()));
    }
  }

  private Map<String, Object> state(String labeler) {
    checkArgument(labeler != null, "labeler: give your name in the link (&labeler=NAME)");
    Optional<LabelItem> next = session.next(labeler);
    LabelSession.Progress p = session.progress(labeler);
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> progress = new LinkedHashMap<>();
    progress.put("done", p.done());
    progress.put("total", p.total());
    progress.put("mine", p.mine());
    out.put("progress", progress);
    boolean complete = session.complete();
    out.put("complete", complete);
    out.put("closed", session.closed());
    out.put("closes_in_seconds", complete ? session.secondsToClose(linger) : null);
    if (next.isPresent()) {
      LabelItem it = next.get();
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("id", it.id());
      item.put("prompt", it.prompt());
      item.put("responses", it.responses());
      item.put("truncated", it.truncated());
      if (!it.turns().isEmpty()) {
        List<List<Map<String, Object>>> episodes = new ArrayList<>();
        it.turns().forEach(e -> episodes.add(EpisodeDemonstration.Turn.toJson(e)));
        item.put("turns", episodes);
      }
      out.put("item", item);
    } else {
      out.put("item", null);
    }
    return out;
  }

  private boolean tokenOk(String given) {
    // Constant-time comparison: the token is the only secret.
    return given != null
        && MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
  }

  private synchronized boolean allow(String who) {
    long now = System.nanoTime();
    double[] b = buckets.computeIfAbsent(who, a -> new double[] {2 * RATE, now});
    b[0] = Math.min(2 * RATE, b[0] + (now - (long) b[1]) / 1e9 * RATE);
    b[1] = now;
    if (b[0] < 1) {
      return false;
    }
    b[0] -= 1;
    return true;
  }

  private static Map<String, Object> body(HttpExchange ex) throws IOException {
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    checkArgument(
        type != null && type.startsWith("application/json"), "send JSON (application/json)");
    try (InputStream in = ex.getRequestBody()) {
      byte[] bytes = in.readNBytes(MAX_BODY + 1);
      if (bytes.length > MAX_BODY) {
        throw new TooLargeException("request body over " + MAX_BODY + " bytes");
      }
      return Json.parseObject(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  private static String string(Map<String, Object> body, String field) {
    checkArgument(body.get(field) instanceof String, "%s: expected a string", field);
    return (String) body.get(field);
  }

  private static int integer(Map<String, Object> body, String field) {
    checkArgument(
        body.get(field) instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE,
        "%s: expected a whole number",
        field);
    return ((Long) body.get(field)).intValue();
  }

  private static List<Integer> integers(Map<String, Object> body, String field) {
    checkArgument(body.get(field) instanceof List<?>, "%s: expected a list", field);
    List<Integer> out = new ArrayList<>();
    for (Object v : (List<?>) body.get(field)) {
      checkArgument(v instanceof Long l && Math.abs(l) < 1000, "%s: expected numbers", field);
      out.add(((Long) v).intValue());
    }
    return out;
  }

  private static List<String> strings(Map<String, Object> body, String field) {
    checkArgument(body.get(field) instanceof List<?>, "%s: expected a list", field);
    List<String> out = new ArrayList<>();
    for (Object v : (List<?>) body.get(field)) {
      checkArgument(v instanceof String, "%s: expected strings", field);
      out.add((String) v);
    }
    return out;
  }

  private static void requireMethod(boolean ok, String method) {
    if (!ok) {
      throw new MethodException("use " + method);
    }
  }

  private static Map<String, Object> error(String message) {
    return Map.of("error", message == null ? "bad request" : message);
  }

  private static void reply(HttpExchange ex, int status, Object json) throws IOException {
    byte[] bytes = JsonWriter.write(json).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void serveStatic(HttpExchange ex, String name) throws IOException {
    byte[] bytes;
    try (InputStream in = LabelServer.class.getResourceAsStream(name)) {
      bytes = checkNotNull(in, "missing resource %s", name).readAllBytes();
    }
    ex.getResponseHeaders().set("Content-Type", TYPES.get(name));
    ex.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(
            java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static final class MethodException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MethodException(String message) {
      super(message);
    }
  }

  private static final class TooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLargeException(String message) {
      super(message);
    }
  }
}
