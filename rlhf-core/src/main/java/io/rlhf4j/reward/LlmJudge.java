package io.rlhf4j.reward;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import io.rlhf4j.model.WeightedReward;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reward from another language model, asked over an OpenAI-compatible chat-completions endpoint
 * (OpenAI, vLLM, llama.cpp, rlhf4j's own {@code serve}) with a rubric: the rubric's {@code
 * {prompt}} and {@code {response}} are filled in, sent as the user's message (after an optional
 * system message), and the first number in the judge's answer, clamped to [min, max], is the score.
 * An answer without a number scores {@code min} and is counted ({@link #unreadable()}); a failed
 * request stops the run with one line naming the address, as {@link RemoteReward} does. Greedy
 * (temperature 0) by default, so the same pair is judged the same way.
 */
public final class LlmJudge implements WeightedReward.BatchFunction {
  private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?");

  private final URI endpoint;
  private final String model;
  private final String system;
  private final String rubric;
  private final double min;
  private final double max;
  private final int maxTokens;
  private final double temperature;
  private final Duration timeout;
  private static final long serialVersionUID = 1L;
  // Not serialisable: made again where the reward runs (a Spark executor).
  private transient HttpClient http;
  private final AtomicLong unreadable = new AtomicLong();

  private LlmJudge(Builder b) {
    this.endpoint = URI.create(b.baseUrl.replaceAll("/+$", "") + "/chat/completions");
    this.model = b.model;
    this.system = b.system;
    this.rubric = b.rubric;
    this.min = b.min;
    this.max = b.max;
    this.maxTokens = b.maxTokens;
    this.temperature = b.temperature;
    this.timeout = b.timeout;
  }

  /**
   * A judge at {@code baseUrl} (up to {@code /v1}, e.g. {@code http://127.0.0.1:8000/v1}) asking
   * {@code model}.
   */
  public static Builder builder(String baseUrl, String model) {
    return new Builder(baseUrl, model);
  }

  /**
   * One judgement: the judge's answer and the score read from it.
   *
   * @param answer the judge's text
   * @param score the first number in it, clamped, or min when there is none
   * @param readable whether a number was found
   */
  public record Verdict(String answer, double score, boolean readable) {}

  @Override
  public double[] score(List<String> prompts, List<String> responses) {
    checkArgument(prompts.size() == responses.size(), "one response per prompt expected");
    double[] out = new double[prompts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = judge(prompts.get(i), responses.get(i)).score();
    }
    return out;
  }

  /** Asks the judge about one pair. */
  public Verdict judge(String prompt, String response) {
    String question = rubric.replace("{prompt}", prompt).replace("{response}", response);
    List<Map<String, Object>> messages = new java.util.ArrayList<>();
    if (!system.isEmpty()) {
      messages.add(message("system", system));
    }
    messages.add(message("user", question));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", model);
    body.put("messages", messages);
    body.put("max_tokens", maxTokens);
    body.put("temperature", temperature);
    return read(post(body));
  }

  /** A judge's answer as a score: its first number clamped to [min, max], else min. */
  public Verdict read(String answer) {
    Matcher m = NUMBER.matcher(answer);
    if (!m.find()) {
      unreadable.incrementAndGet();
      return new Verdict(answer, min, false);
    }
    double v = Double.parseDouble(m.group());
    return new Verdict(answer, Math.max(min, Math.min(max, v)), true);
  }

  /** How many answers so far held no number. */
  public long unreadable() {
    return unreadable.get();
  }

  private static Map<String, Object> message(String role, String content) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", role);
    m.put("content", content);
    return m;
  }

  private String post(Map<String, Object> body) {
    String answer = JsonPost.send(http(), endpoint, timeout, body, "LLM judge");
    try {
      Object choices = Json.parseObject(answer).get("choices");
      if (choices instanceof List<?> list
          && !list.isEmpty()
          && list.get(0) instanceof Map<?, ?> choice
          && choice.get("message") instanceof Map<?, ?> message
          && message.get("content") instanceof String content) {
        return content;
      }
    } catch (JsonParseException e) {
      // reported below
    }
    throw new IllegalStateException(
        "LLM judge " + endpoint + ": expected choices[0].message.content in the answer");
  }

  /** The judge's settings. */
  public static final class Builder {
    private final String baseUrl;
    private final String model;
    private String system = "";
    private String rubric =
        "Rate the response to the prompt from 0 (useless) to 10 (excellent). Answer with the"
            + " number only.\n\nPrompt: {prompt}\n\nResponse: {response}";
    private double min = 0;
    private double max = 10;
    private int maxTokens = 16;
    private double temperature = 0;
    private Duration timeout = Duration.ofSeconds(60);

    private Builder(String baseUrl, String model) {
      this.baseUrl = checkNotNull(baseUrl, "baseUrl");
      this.model = checkNotNull(model, "model");
    }

    /** A system message before the rubric (none by default). */
    public Builder system(String v) {
      system = checkNotNull(v, "system");
      return this;
    }

    /** The question, with {@code {prompt}} and {@code {response}} where the pair goes. */
    public Builder rubric(String v) {
      checkArgument(v.contains("{response}"), "a rubric needs {response} where the response goes");
      rubric = v;
      return this;
    }

    /** The scale the score is clamped to (0..10). */
    public Builder scale(double lowest, double highest) {
      checkArgument(lowest < highest, "the scale needs lowest < highest");
      min = lowest;
      max = highest;
      return this;
    }

    /** The judge's answer length (16 tokens) and temperature (0: greedy). */
    public Builder sampling(int tokens, double temp) {
      checkArgument(tokens >= 1 && temp >= 0, "tokens >= 1 and temperature >= 0");
      maxTokens = tokens;
      temperature = temp;
      return this;
    }

    /** How long one request may take (60 s). */
    public Builder timeout(Duration v) {
      timeout = checkNotNull(v, "timeout");
      return this;
    }

    /** The judge. */
    public LlmJudge build() {
      return new LlmJudge(this);
    }
  }

  private synchronized HttpClient http() {
    if (http == null) {
      http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }
    return http;
  }
}
