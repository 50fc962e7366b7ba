package io.rlhf4j.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.rlhf4j.internal.json.Json;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LlmJudgeTest {
  @Test
  void theFirstNumberClampedToTheScaleIsTheScore() {
    LlmJudge judge = LlmJudge.builder("http://127.0.0.1:1/v1", "m").scale(0, 10).build();
    assertThat(judge.read("Score: 7/10, because...").score()).isEqualTo(7);
    assertThat(judge.read("8.5").score()).isEqualTo(8.5);
    assertThat(judge.read("I'd give it 12!").score()).isEqualTo(10);
    assertThat(judge.read("-3").score()).isZero();
    LlmJudge.Verdict none = judge.read("a lovely story");
    assertThat(none.readable()).isFalse();
    assertThat(none.score()).isZero();
    assertThat(judge.unreadable()).isEqualTo(1);
  }

  @Test
  void itSendsTheRubricAsAChatRequestAndReadsTheAnswer() throws Exception {
    AtomicReference<String> seen = new AtomicReference<>();
    HttpServer stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    stub.createContext(
        "/v1/chat/completions",
        e -> {
          seen.set(new String(e.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          byte[] answer =
              "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"6\"}}]}"
                  .getBytes(StandardCharsets.UTF_8);
          e.sendResponseHeaders(200, answer.length);
          e.getResponseBody().write(answer);
          e.close();
        });
    stub.start();
    try {
      String url = "http://127.0.0.1:" + stub.getAddress().getPort() + "/v1/";
      LlmJudge judge =
          LlmJudge.builder(url, "judge-model")
              .system("You grade stories.")
              .rubric("Prompt: {prompt}\nStory: {response}\nScore 0-10:")
              .build();
      assertThat(judge.score(List.of("Tell a story."), List.of("A cat."))).containsExactly(6.0);
      Map<String, Object> request = Json.parseObject(seen.get());
      assertThat(request).containsEntry("model", "judge-model").containsEntry("temperature", 0.0);
      List<?> messages = (List<?>) request.get("messages");
      Map<?, ?> system = (Map<?, ?>) messages.get(0);
      Map<?, ?> user = (Map<?, ?>) messages.get(1);
      assertThat(system.get("role")).isEqualTo("system");
      assertThat(system.get("content")).isEqualTo("You grade stories.");
      assertThat(user.get("role")).isEqualTo("user");
      assertThat(user.get("content"))
          .isEqualTo("Prompt: Tell a story.\nStory: A cat.\nScore 0-10:");
      // No such endpoint on the stub: HTTP 404, one line naming the address.
      LlmJudge lost = LlmJudge.builder(url + "missing", "m").build();
      assertThatThrownBy(() -> lost.judge("p", "r"))
          .hasMessageContaining("LLM judge http://127.0.0.1:")
          .hasMessageContaining("HTTP 404");
    } finally {
      stub.stop(0);
    }
  }
}
