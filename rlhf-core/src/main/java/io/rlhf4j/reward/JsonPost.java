package io.rlhf4j.reward;

import io.rlhf4j.internal.json.JsonWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * One JSON POST to a reward service, the part {@link RemoteReward} and {@link LlmJudge} share: a
 * failure, or any status but 200, is one line naming the service and its address.
 */
final class JsonPost {
  private JsonPost() {}

  /**
   * The answer's body.
   *
   * @param what the service, as the error line names it ("remote reward", "LLM judge")
   */
  static String send(
      HttpClient http, URI address, Duration timeout, Map<String, Object> body, String what) {
    HttpResponse<String> answer;
    try {
      answer =
          http.send(
              HttpRequest.newBuilder(address)
                  .timeout(timeout)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(JsonWriter.write(body)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(what + " " + address + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + " " + address + ": interrupted", e);
    }
    if (answer.statusCode() != 200) {
      String detail = answer.body() == null || answer.body().isBlank() ? "" : " " + answer.body();
      throw new IllegalStateException(
          what + " " + address + ": HTTP " + answer.statusCode() + oneLine(detail));
    }
    return answer.body();
  }

  // An error page may span lines; the error stays one line.
  private static String oneLine(String text) {
    String flat = text.replaceAll("\\s+", " ");
    return flat.length() > 200 ? flat.substring(0, 197) + "..." : flat;
  }
}
