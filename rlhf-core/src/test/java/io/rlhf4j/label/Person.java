package io.rlhf4j.label;

import io.rlhf4j.data.Labeler;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A person at the ranking page, played through its API: asks for the next item, ranks it with a
 * rule, submits, until nothing is left (or {@code limit} items are done). Used by tests that need
 * someone to label while a pipeline waits.
 */
public final class Person implements Runnable {
  private final URI link;
  private final String name;
  private final Labeler judgement;
  private final int limit;
  private final HttpClient http = HttpClient.newHttpClient();
  private volatile Throwable failure;

  /** A person at {@code link} who ranks as {@code judgement} does, at most {@code limit} items. */
  public Person(URI link, String name, Labeler judgement, int limit) {
    this.link = link;
    this.name = name;
    this.judgement = judgement;
    this.limit = limit;
  }

  /** Starts ranking on a new thread. */
  public Thread start() {
    Thread t = new Thread(this, "person-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** What went wrong, if anything. */
  public Throwable failure() {
    return failure;
  }

  @Override
  public void run() {
    failure = null;
    try {
      String token = link.getQuery().substring("t=".length());
      // Each submission's answer is the page's next state, as the page itself uses it: once the
      // round is complete the server may be gone.
      Map<String, Object> state =
          Json.parseObject(call(token, "GET", "/api/state?labeler=" + name, null));
      for (int done = 0; done < limit; done++) {
        if (!(state.get("item") instanceof Map<?, ?> item)) {
          break;
        }
        List<String> responses = new ArrayList<>();
        for (Object r : (List<?>) item.get("responses")) {
          responses.add((String) r);
        }
        Ranking r = judgement.rank((String) item.get("prompt"), responses);
        String next =
            call(
                token,
                "POST",
                "/api/submit",
                JsonWriter.write(
                    Map.of(
                        "labeler", name,
                        "item", item.get("id"),
                        "ranks", r.ranks(),
                        "flags", Collections.nCopies(responses.size(), ""),
                        "ordered", true)));
        state = Json.parseObject(next);
      }
      // The last one done closes the round, as a person presses "Close the round"; someone else
      // may have closed it already, and then the server is gone.
      if (Boolean.TRUE.equals(state.get("complete")) && !Boolean.TRUE.equals(state.get("closed"))) {
        try {
          call(token, "POST", "/api/close", JsonWriter.write(Map.of("labeler", name)));
        } catch (java.io.IOException | IllegalStateException gone) {
          // closed by another person meanwhile
        }
      }
    } catch (Throwable t) {
      failure = t;
    }
  }

  private String call(String token, String method, String path, String body) throws Exception {
    while (true) {
      HttpRequest.Builder b = HttpRequest.newBuilder(link.resolve(path)).header("X-Token", token);
      if (body != null) {
        b.header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
      }
      HttpResponse<String> res = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (res.statusCode() == 429) {
        Thread.sleep(100); // a person waits too when told to slow down
        continue;
      }
      if (res.statusCode() != 200) {
        throw new IllegalStateException(path + ": " + res.statusCode() + " " + res.body());
      }
      return res.body();
    }
  }
}
