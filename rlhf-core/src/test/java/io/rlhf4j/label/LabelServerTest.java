package io.rlhf4j.label;

import static org.assertj.core.api.Assertions.assertThat;

import io.rlhf4j.internal.json.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web app's API as a client sees it: tokens, bounds, clear 4xx answers, nothing lost. */
class LabelServerTest {
  private static final String TOKEN = "0123456789abcdef0123";
  private static final String HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>";

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  private LabelServer start(Path file) throws IOException {
    List<LabelItem> items =
        List.of(
            new LabelItem(
                0, "Tell a story", List.of(HOSTILE, "Once upon a time"), List.of(false, false)),
            new LabelItem(1, "Say hi", List.of("hi", "hello", "hey"), List.of(false, false, true)));
    LabelSession session = LabelSession.open(items, file, 0, 0, Clock.systemUTC());
    return LabelServer.start(session, InetAddress.getLoopbackAddress(), 0, TOKEN);
  }

  private HttpResponse<String> get(URI base, String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
    if (token != null) {
      b.header("X-Token", token);
    }
    return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(URI base, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(base.resolve(path))
            .header("X-Token", TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theApiRanksRefusesBadRequestsAndSurvivesARestart() throws Exception {
    Path file = dir.resolve("round-2/rankings.jsonl");
    URI base;
    try (LabelServer server = start(file)) {
      base = server.link();
      assertThat(InetAddress.getByName(base.getHost()).isLoopbackAddress()).isTrue(); // default
      // The page needs the token; without it, 403 and no page.
      assertThat(get(base, "/?t=" + TOKEN, null).body()).contains("Rank the responses");
      assertThat(get(base, "/?t=wrong", null).statusCode()).isEqualTo(403);
      assertThat(get(base, "/api/state?labeler=ann", null).statusCode()).isEqualTo(403);
      assertThat(get(base, "/api/state?labeler=ann", "wrong-token-wrong!").statusCode())
          .isEqualTo(403);

      HttpResponse<String> state = get(base, "/api/state?labeler=ann", TOKEN);
      assertThat(state.statusCode()).isEqualTo(200);
      Map<?, ?> item = (Map<?, ?>) Json.parseObject(state.body()).get("item");
      // Hostile text travels as a JSON string, exactly as written.
      assertThat(item.get("responses")).isEqualTo(List.of(HOSTILE, "Once upon a time"));

      // Bad requests: each a 4xx with one error line, and nothing written.
      assertThat(
              post(
                      base,
                      "/api/submit",
                      "{\"labeler\":\"ann\",\"item\":0,\"ranks\":[1],\"ordered\":true,\"flags\":[\"\"]}")
                  .body())
          .contains("ranks: expected 2");
      assertThat(post(base, "/api/submit", "not json").statusCode()).isEqualTo(400);
      assertThat(post(base, "/api/submit", "{\"x\":\"" + "a".repeat(20_000) + "\"}").statusCode())
          .isEqualTo(413);
      assertThat(get(base, "/api/submit", TOKEN).statusCode()).isEqualTo(405);
      assertThat(get(base, "/api/nope", TOKEN).statusCode()).isEqualTo(404);
      assertThat(post(base, "/api/undo", "{\"labeler\":\"ann\"}").statusCode()).isEqualTo(409);
      assertThat(Files.exists(file) ? Files.readString(file) : "").isEmpty();

      HttpResponse<String> ok =
          post(
              base,
              "/api/submit",
              "{\"labeler\":\"ann\",\"item\":0,\"ranks\":[2,1],\"ordered\":true,\"flags\":[\"unsafe\",\"\"]}");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("\"done\":1,\"total\":2");
      // The same submission again is a conflict, not a second line.
      assertThat(
              post(
                      base,
                      "/api/submit",
                      "{\"labeler\":\"ann\",\"item\":0,\"ranks\":[2,1],\"ordered\":true,\"flags\":[\"\",\"\"]}")
                  .statusCode())
          .isEqualTo(409);
    }
    // The server is gone (as if killed); a new one on the same file continues.
    try (LabelServer again = start(file)) {
      URI b = again.link();
      Map<String, Object> s = Json.parseObject(get(b, "/api/state?labeler=ann", TOKEN).body());
      assertThat(((Map<?, ?>) s.get("item")).get("id")).isEqualTo(1L);
      assertThat(((Map<?, ?>) s.get("progress")).get("done")).isEqualTo(1L);
    }
    assertThat(Files.readAllLines(file)).hasSize(1);
  }

  @Test
  void requestsBeyondTheRateAreRefused() throws Exception {
    try (LabelServer server = start(dir.resolve("r.jsonl"))) {
      // Five times the burst, all at once.
      List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> calls =
          new java.util.ArrayList<>();
      for (int i = 0; i < 10 * LabelServer.RATE; i++) {
        calls.add(
            http.sendAsync(
                HttpRequest.newBuilder(server.link().resolve("/api/agreement"))
                    .header("X-Token", TOKEN)
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      int refused = 0;
      for (var c : calls) {
        HttpResponse<String> r = c.get();
        if (r.statusCode() == 429) {
          refused++;
          assertThat(r.body()).contains("too many requests");
        }
      }
      assertThat(refused).isPositive();
    }
  }

  private static String submit(String labeler, int item, String ranks) {
    return "{\"labeler\":\""
        + labeler
        + "\",\"item\":"
        + item
        + ",\"ranks\":"
        + ranks
        + ",\"ordered\":true,\"flags\":"
        + (ranks.split(",").length == 2 ? "[\"\",\"\"]" : "[\"\",\"\",\"\"]")
        + "}";
  }

  @Test
  void tenStalledConnectionsAreCutOffAndNeverBlockOthers() throws Exception {
    try (LabelServer server = start(dir.resolve("r.jsonl"))) {
      URI base = server.link();
      List<java.net.Socket> stalled = new java.util.ArrayList<>();
      for (int i = 0; i < 10; i++) {
        java.net.Socket s = new java.net.Socket(base.getHost(), base.getPort());
        // Half a request: headers that never end, then silence.
        s.getOutputStream().write(("GET /?t=" + TOKEN + " HTTP/1.1\r\nHost: x\r\n").getBytes());
        s.getOutputStream().flush();
        s.setSoTimeout(30_000);
        stalled.add(s);
      }
      HttpClient patient =
          HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build();
      HttpResponse<String> page =
          patient.send(
              HttpRequest.newBuilder(base.resolve("/api/state?labeler=ann"))
                  .header("X-Token", TOKEN)
                  .timeout(java.time.Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      // Each stalled connection is closed by the server after its time limit: the read ends
      // (with no answer or a 4xx) instead of waiting forever.
      for (java.net.Socket s : stalled) {
        byte[] rest = s.getInputStream().readAllBytes();
        assertThat(new String(rest)).doesNotContain("Rank the responses");
        s.close();
      }
    }
  }

  @Test
  void requestsWithoutTheTokenCannotUseUpALabelersBudget() throws Exception {
    try (LabelServer server = start(dir.resolve("r.jsonl"))) {
      URI base = server.link();
      List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> calls =
          new java.util.ArrayList<>();
      for (int i = 0; i < 10 * LabelServer.RATE; i++) {
        calls.add(
            http.sendAsync(
                HttpRequest.newBuilder(base.resolve("/api/state?labeler=ann")).build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      int refused = 0;
      for (var c : calls) {
        int status = c.get().statusCode();
        assertThat(status).isIn(403, 429);
        refused += status == 429 ? 1 : 0;
      }
      assertThat(refused).isPositive(); // the token-less were slowed down...
      // ...and the labeler, from the same address, was not.
      assertThat(get(base, "/api/state?labeler=ann", TOKEN).statusCode()).isEqualTo(200);
      HttpResponse<String> page = get(base, "/?t=" + TOKEN, null);
      assertThat(page.headers().firstValue("Referrer-Policy")).contains("no-referrer");
      // The cookie the page sets lets a reload (whose address no longer holds the token) in.
      String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
      assertThat(
              http.send(
                      HttpRequest.newBuilder(base.resolve("/?labeler=ann"))
                          .header("Cookie", cookie)
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
      // Without token or cookie: refused (403, or 429 once the token-less budget is spent).
      assertThat(get(base, "/?labeler=ann", null).statusCode()).isIn(403, 429);
    }
  }

  @Test
  void anItemShownToOnePersonIsHeldForThemAndAnUntouchedOrderIsRefused() throws Exception {
    try (LabelServer server = start(dir.resolve("r.jsonl"))) {
      URI base = server.link();
      Map<?, ?> ann =
          (Map<?, ?>) Json.parseObject(get(base, "/api/state?labeler=ann", TOKEN).body());
      Map<?, ?> bob =
          (Map<?, ?>) Json.parseObject(get(base, "/api/state?labeler=bob", TOKEN).body());
      assertThat(((Map<?, ?>) ann.get("item")).get("id")).isEqualTo(0L);
      assertThat(((Map<?, ?>) bob.get("item")).get("id")).isEqualTo(1L); // not ann's
      // Ann asking again gets her item back.
      assertThat(get(base, "/api/state?labeler=ann", TOKEN).body()).contains("\"id\":0");
      // Bob cannot take ann's item.
      HttpResponse<String> taken = post(base, "/api/submit", submit("bob", 0, "[1,2]"));
      assertThat(taken.statusCode()).isEqualTo(409);
      assertThat(taken.body()).contains("held for someone else");
      // A ranking that was never ordered is refused, and nothing is written.
      HttpResponse<String> lazy =
          post(
              base,
              "/api/submit",
              "{\"labeler\":\"ann\",\"item\":0,\"ranks\":[1,2],\"flags\":[\"\",\"\"]}");
      assertThat(lazy.statusCode()).isEqualTo(400);
      assertThat(lazy.body()).contains("put the cards in order first");
      assertThat(post(base, "/api/submit", submit("ann", 0, "[2,1]")).statusCode()).isEqualTo(200);
      assertThat(Files.readAllLines(dir.resolve("r.jsonl"))).hasSize(1);
    }
  }

  @Test
  void undoFollowsTimeOrderAcrossARestart() throws Exception {
    Path file = dir.resolve("u.jsonl");
    List<LabelItem> items = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      items.add(new LabelItem(i, "p" + i, List.of("a", "b"), List.of(false, false)));
    }
    try (LabelServer s =
        LabelServer.start(
            LabelSession.open(items, file, 0, 0, Clock.systemUTC()),
            InetAddress.getLoopbackAddress(),
            0,
            TOKEN)) {
      URI base = s.link();
      get(base, "/api/state?labeler=ann", TOKEN);
      assertThat(post(base, "/api/submit", submit("ann", 0, "[1,2]")).statusCode()).isEqualTo(200);
      assertThat(post(base, "/api/skip", "{\"labeler\":\"ann\",\"item\":1}").statusCode())
          .isEqualTo(200);
      assertThat(post(base, "/api/submit", submit("ann", 2, "[2,1]")).statusCode()).isEqualTo(200);
    }
    try (LabelServer s =
        LabelServer.start(
            LabelSession.open(items, file, 0, 0, Clock.systemUTC()),
            InetAddress.getLoopbackAddress(),
            0,
            TOKEN)) {
      HttpResponse<String> undone = post(s.link(), "/api/undo", "{\"labeler\":\"ann\"}");
      assertThat(undone.statusCode()).isEqualTo(200);
      assertThat(undone.body()).contains("\"id\":2"); // the last ranking comes back, not the skip
    }
    assertThat(Files.readAllLines(file)).hasSize(1).allMatch(l -> l.contains("\"item\":0"));
    assertThat(Files.readAllLines(LabelSession.skippedFile(file))).hasSize(1);
  }

  @Test
  void theServerStaysUpForUndoUntilTheRoundIsClosed() throws Exception {
    Path file = dir.resolve("c.jsonl");
    List<LabelItem> items =
        List.of(new LabelItem(0, "p", List.of("a", "b"), List.of(false, false)));
    LabelSession session = LabelSession.open(items, file, 0, 0, Clock.systemUTC());
    java.util.concurrent.CompletableFuture<URI> link =
        new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.CompletableFuture<Boolean> served =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return LabelServer.serveUntilClosed(
                    session,
                    InetAddress.getLoopbackAddress(),
                    0,
                    TOKEN,
                    java.time.Duration.ofMinutes(5),
                    java.time.Duration.ofHours(1),
                    link::complete);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    URI base = link.get();
    get(base, "/api/state?labeler=ann", TOKEN);
    HttpResponse<String> last = post(base, "/api/submit", submit("ann", 0, "[1,2]"));
    assertThat(last.body()).contains("\"complete\":true").contains("\"closed\":false");
    // Complete, and still serving: the last ranking can be undone and made again.
    assertThat(post(base, "/api/undo", "{\"labeler\":\"ann\"}").statusCode()).isEqualTo(200);
    assertThat(session.complete()).isFalse();
    HttpResponse<String> early = post(base, "/api/close", "{\"labeler\":\"ann\"}");
    assertThat(early.statusCode()).isEqualTo(409); // not complete: nothing to close
    get(base, "/api/state?labeler=ann", TOKEN);
    assertThat(post(base, "/api/submit", submit("ann", 0, "[2,1]")).statusCode()).isEqualTo(200);
    assertThat(served).isNotDone();
    assertThat(post(base, "/api/close", "{\"labeler\":\"ann\"}").statusCode()).isEqualTo(200);
    assertThat(served.get(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readAllLines(file)).hasSize(1).allMatch(l -> l.contains("\"ranks\":[2,1]"));
  }
}
