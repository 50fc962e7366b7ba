package io.rlhf4j.reward;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import io.rlhf4j.model.WeightedReward;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reward served over HTTP in OpenRLHF's remote reward-model protocol, so a reward model or a
 * verifier already running as a service (OpenRLHF's {@code serve_rm}, a rule-based reward server)
 * scores rlhf4j's rollouts: one POST per batch of {@code {"query": [prompt + response, ...],
 * "prompts": [prompt, ...], "labels": [...]}}, answered by {@code {"rewards": [score, ...]}}. A
 * failed or malformed answer stops the run with one line naming the address (a reward that silently
 * turned into zeros would train the policy on nothing).
 */
public final class RemoteReward implements WeightedReward.BatchFunction {
  private final URI address;
  private final Duration timeout;
  private final Map<String, String> labels;
  private static final long serialVersionUID = 1L;
  // Not serialisable: made again where the reward runs (a Spark executor).
  private transient HttpClient http;

  /**
   * @param address the endpoint, e.g. {@code http://host:5000/get_reward}
   * @param timeout how long one batch may take
   * @param labels each prompt's label (a known answer), sent as {@code labels}; may be empty
   */
  public RemoteReward(URI address, Duration timeout, Map<String, String> labels) {
    this.address = checkNotNull(address, "address");
    this.timeout = checkNotNull(timeout, "timeout");
    this.labels = Map.copyOf(labels);
  }

  @Override
  public double[] score(List<String> prompts, List<String> responses) {
    checkArgument(prompts.size() == responses.size(), "one response per prompt expected");
    List<String> queries = new ArrayList<>();
    List<Object> sentLabels = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      queries.add(prompts.get(i) + responses.get(i));
      sentLabels.add(labels.get(prompts.get(i)));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("query", queries);
    body.put("prompts", prompts);
    body.put("labels", sentLabels);
    String answer = JsonPost.send(http(), address, timeout, body, "remote reward");
    Object rewards;
    try {
      rewards = Json.parseObject(answer).get("rewards");
    } catch (JsonParseException e) {
      throw new IllegalStateException("remote reward " + address + ": the answer is not JSON");
    }
    if (!(rewards instanceof List<?> list) || list.size() != queries.size()) {
      throw new IllegalStateException(
          "remote reward "
              + address
              + ": expected \"rewards\" with "
              + queries.size()
              + " numbers");
    }
    double[] out = new double[list.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(list.get(i) instanceof Number n) || !Double.isFinite(n.doubleValue())) {
        throw new IllegalStateException(
            "remote reward " + address + ": reward " + i + " is not a finite number");
      }
      out[i] = n.doubleValue();
    }
    return out;
  }

  private synchronized HttpClient http() {
    if (http == null) {
      http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }
    return http;
  }
}
