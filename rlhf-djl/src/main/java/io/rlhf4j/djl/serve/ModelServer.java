package io.rlhf4j.djl.serve;

import static com.google.common.base.Preconditions.checkNotNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.rlhf4j.data.ChatMessage;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.tokenize.ChatFormat;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import io.rlhf4j.internal.json.JsonWriter;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers OpenAI's completions and chat-completions requests with one model, as vLLM's and
 * llama.cpp's servers do, so anything that speaks that protocol (an evaluation harness, a chat UI,
 * rlhf4j's own {@link io.rlhf4j.reward.LlmJudge}) can use a trained policy.
 *
 * <ul>
 *   <li>{@code POST /v1/completions}: {@code prompt} (a string), {@code max_tokens} (16), {@code
 *       temperature} (1; 0 is greedy), {@code top_p} (1), {@code seed} (0), {@code n} (1);
 *   <li>{@code POST /v1/chat/completions}: {@code messages} ({@code role}, {@code content})
 *       rendered by the model's chat template with the generation prompt, then as above;
 *   <li>{@code GET /v1/models}: the one model.
 * </ul>
 *
 * <p>Each answer has OpenAI's fields ({@code choices} with {@code text} or {@code message}, {@code
 * finish_reason} "stop" at the model's stop token or "length", and {@code usage}). A request that
 * does not parse gets HTTP 400 with {@code {"error": {"message", "type"}}}. Requests are answered
 * one at a time (one model, one engine), each sampled from the request's seed, so the same request
 * gets the same answer.
 */
public final class ModelServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);

  private final DjlPolicy policy;
  private final String name;
  private final ChatFormat chat;
  private final HttpServer server;
  private final AtomicLong ids = new AtomicLong();

  /**
   * Starts serving.
   *
   * @param policy the model and its tokenizer
   * @param name the model's name in answers and {@code /v1/models}
   * @param chat the model's chat format, or null to answer only plain completions
   * @param address where to listen (port 0: any free port)
   */
  public ModelServer(DjlPolicy policy, String name, ChatFormat chat, InetSocketAddress address)
      throws IOException {
    this.policy = checkNotNull(policy, "policy");
    this.name = checkNotNull(name, "name");
    this.chat = chat;
    this.server = HttpServer.create(address, 0);
    server.createContext("/v1/completions", e -> answer(e, this::completion));
    server.createContext("/v1/chat/completions", e -> answer(e, this::chatCompletion));
    server.createContext("/v1/models", e -> answer(e, body -> models()));
    server.setExecutor(Executors.newSingleThreadExecutor());
    server.start();
    LOG.info("serving {} at {}", name, url());
  }

  /** The base address, e.g. {@code http://127.0.0.1:8000/v1}. */
  public String url() {
    InetSocketAddress a = server.getAddress();
    return "http://" + a.getHostString() + ":" + a.getPort() + "/v1";
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  /** A request the client got wrong: HTTP 400 with this message. */
  private static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  @FunctionalInterface
  private interface Handler {
    Map<String, Object> handle(Map<String, Object> body);
  }

  private void answer(HttpExchange exchange, Handler handler) throws IOException {
    int status = 200;
    Map<String, Object> out;
    try (exchange) {
      try {
        boolean get = exchange.getRequestMethod().equals("GET");
        if (!get && !exchange.getRequestMethod().equals("POST")) {
          throw new BadRequest("use POST");
        }
        out = handler.handle(get ? Map.of() : body(exchange.getRequestBody()));
      } catch (BadRequest e) {
        status = 400;
        out = error(e.getMessage());
      } catch (RuntimeException e) {
        LOG.warn("request failed", e);
        status = 500;
        out = error("internal error: " + e);
      }
      byte[] bytes = JsonWriter.write(out).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream o = exchange.getResponseBody()) {
        o.write(bytes);
      }
    }
  }

  private static Map<String, Object> error(String message) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("message", message);
    error.put("type", "invalid_request_error");
    return Map.of("error", error);
  }

  private static Map<String, Object> body(InputStream in) throws IOException {
    try {
      return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (JsonParseException | IllegalArgumentException e) {
      throw new BadRequest("the body is not a JSON object: " + e.getMessage());
    }
  }

  private Map<String, Object> models() {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("id", name);
    model.put("object", "model");
    model.put("owned_by", "rlhf4j");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("object", "list");
    out.put("data", List.of(model));
    return out;
  }

  private Map<String, Object> completion(Map<String, Object> body) {
    if (!(body.get("prompt") instanceof String prompt)) {
      throw new BadRequest("\"prompt\" must be a string");
    }
    List<Answer> answers = generate(prompt, body);
    List<Object> choices = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("index", i);
      c.put("text", answers.get(i).text());
      c.put("logprobs", null);
      c.put("finish_reason", answers.get(i).finish());
      choices.add(c);
    }
    return reply("cmpl-", "text_completion", choices, answers);
  }

  private Map<String, Object> chatCompletion(Map<String, Object> body) {
    if (chat == null) {
      throw new BadRequest(
          "model " + name + " has no chat template: use /v1/completions or serve --chat-template");
    }
    if (!(body.get("messages") instanceof List<?> list) || list.isEmpty()) {
      throw new BadRequest("\"messages\" must be a non-empty list");
    }
    List<ChatMessage> messages = new ArrayList<>();
    for (Object m : list) {
      if (!(m instanceof Map<?, ?> map)
          || !(map.get("role") instanceof String role)
          || !(map.get("content") instanceof String content)) {
        throw new BadRequest("each message needs a string \"role\" and \"content\"");
      }
      messages.add(new ChatMessage(role, content));
    }
    String prompt;
    try {
      prompt = chat.prompt(messages);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
    List<Answer> answers = generate(prompt, body);
    List<Object> choices = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("role", "assistant");
      message.put("content", answers.get(i).text());
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("index", i);
      c.put("message", message);
      c.put("finish_reason", answers.get(i).finish());
      choices.add(c);
    }
    return reply("chatcmpl-", "chat.completion", choices, answers);
  }

  private record Answer(String text, String finish, int promptTokens, int completionTokens) {}

  private List<Answer> generate(String prompt, Map<String, Object> body) {
    int maxTokens = integer(body, "max_tokens", 16);
    int n = integer(body, "n", 1);
    double temperature = number(body, "temperature", 1.0);
    double topP = number(body, "top_p", 1.0);
    long seed = integer(body, "seed", 0);
    if (maxTokens < 1 || n < 1 || n > 64 || temperature < 0 || topP <= 0 || topP > 1) {
      throw new BadRequest(
          "need max_tokens >= 1, 1 <= n <= 64, temperature >= 0 and 0 < top_p <= 1");
    }
    SamplingConfig sampling =
        SamplingConfig.builder()
            .maxNewTokens(maxTokens)
            .temperature(temperature)
            .topP(topP)
            .seed(seed)
            .build();
    int[] ids = policy.tokenizer().encode(prompt, true);
    List<Generation> made;
    synchronized (policy) {
      made = policy.generate(java.util.Collections.nCopies(n, ids), sampling);
    }
    List<Answer> out = new ArrayList<>();
    for (Generation g : made) {
      int[] r = g.response();
      int[] text = g.endedWithEos() ? Arrays.copyOf(r, r.length - 1) : r;
      out.add(
          new Answer(
              policy.tokenizer().decode(text),
              g.endedWithEos() ? "stop" : "length",
              ids.length,
              r.length));
    }
    return out;
  }

  private Map<String, Object> reply(
      String prefix, String object, List<Object> choices, List<Answer> answers) {
    Map<String, Object> usage = new LinkedHashMap<>();
    int promptTokens = answers.get(0).promptTokens();
    int completionTokens = answers.stream().mapToInt(Answer::completionTokens).sum();
    usage.put("prompt_tokens", promptTokens);
    usage.put("completion_tokens", completionTokens);
    usage.put("total_tokens", promptTokens + completionTokens);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", prefix + ids.incrementAndGet());
    out.put("object", object);
    out.put("created", System.currentTimeMillis() / 1000);
    out.put("model", name);
    out.put("choices", choices);
    out.put("usage", usage);
    return out;
  }

  private static int integer(Map<String, Object> body, String key, int fallback) {
    Object v = body.get(key);
    if (v == null || v == Json.NULL) {
      return fallback;
    }
    if (v instanceof Long l && l == l.intValue()) {
      return l.intValue();
    }
    throw new BadRequest("\"" + key + "\" must be an integer");
  }

  private static double number(Map<String, Object> body, String key, double fallback) {
    Object v = body.get(key);
    if (v == null || v == Json.NULL) {
      return fallback;
    }
    if (v instanceof Number x) {
      return x.doubleValue();
    }
    throw new BadRequest("\"" + key + "\" must be a number");
  }
}
