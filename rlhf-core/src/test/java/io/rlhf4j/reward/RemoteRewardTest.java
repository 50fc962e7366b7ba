package io.rlhf4j.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The remote reward against a local server speaking OpenRLHF's protocol: the reward of each query
 * is its length, and the server keeps the last request to check what was sent.
 */
class RemoteRewardTest {
  private HttpServer server;
  private final AtomicReference<Map<String, Object>> lastRequest = new AtomicReference<>();
  private volatile String reply; // null: answer the lengths

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/get_reward",
        ex -> {
          Map<String, Object> request =
              Json.parseObject(
                  new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          lastRequest.set(request);
          List<Double> rewards = new ArrayList<>();
          for (Object q : (List<?>) request.get("query")) {
            rewards.add((double) ((String) q).length());
          }
          byte[] out =
              (reply != null ? reply : JsonWriter.write(Map.of("rewards", rewards)))
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, out.length);
          ex.getResponseBody().write(out);
          ex.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private RemoteReward remote() {
    URI address = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/get_reward");
    return new RemoteReward(address, Duration.ofSeconds(10), Map.of("2+2=", "4"));
  }

  @Test
  void oneRequestPerBatchInOpenRlhfsLayout() {
    double[] s = remote().score(List.of("2+2=", "Hi"), List.of("4", " there"));
    assertThat(s).containsExactly(5, 8); // "2+2=4", "Hi there"
    Map<String, Object> sent = lastRequest.get();
    assertThat(sent.get("query")).isEqualTo(List.of("2+2=4", "Hi there"));
    assertThat(sent.get("prompts")).isEqualTo(List.of("2+2=", "Hi"));
    assertThat(sent.get("labels")).isEqualTo(java.util.Arrays.asList("4", Json.NULL));
  }

  @Test
  void aMalformedAnswerStopsTheRunNamingTheAddress() {
    reply = "{\"rewards\": [1]}";
    assertThatThrownBy(() -> remote().score(List.of("a", "b"), List.of("c", "d")))
        .hasMessageContaining("/get_reward")
        .hasMessageContaining("expected \"rewards\" with 2 numbers");
    reply = "not json";
    assertThatThrownBy(() -> remote().score(List.of("a"), List.of("c")))
        .hasMessageContaining("not JSON");
  }
}
