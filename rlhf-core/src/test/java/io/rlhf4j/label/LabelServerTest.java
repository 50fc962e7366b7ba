package io.rlhf4j.label;

import static org.assertj.core.api.Assertions.assertThat;

import io.rlhf4j.data.json.Json;
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
                      "{\"labeler\":\"ann\",\"item\":0,\"ranks\":[1],\"flags\":[\"\"]}")
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
              "{\"labeler\":\"ann\",\"item\":0,\"ranks\":[2,1],\"flags\":[\"unsafe\",\"\"]}");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("\"done\":1,\"total\":2");
      // The same submission again is a conflict, not a second line.
      assertThat(
              post(
                      base,
                      "/api/submit",
                      "{\"labeler\":\"ann\",\"item\":0,\"ranks\":[2,1],\"flags\":[\"\",\"\"]}")
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
}
