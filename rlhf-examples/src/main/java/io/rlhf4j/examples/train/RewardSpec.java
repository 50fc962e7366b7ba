package io.rlhf4j.examples.train;

import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import io.rlhf4j.internal.json.JsonWriter;
import io.rlhf4j.model.WeightedReward;
import io.rlhf4j.reward.LlmJudge;
import io.rlhf4j.reward.RemoteReward;
import io.rlhf4j.reward.Verifiers;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A reward declared on the command line or in a config file ({@code --reward}, {@code reward:}),
 * {@code [WEIGHT*]KIND[:ARGUMENT]}, reported as {@code reward_KIND}:
 *
 * <ul>
 *   <li>{@code final-answer:FILE}: 1 when the response's final answer matches the prompt's known
 *       one; FILE is JSONL of {@code {"prompt", "answer"}} ({@link Verifiers#finalAnswer});
 *   <li>{@code matches:REGEX}: 1 when the response matches (a comma written {@code \x2C}, since
 *       lists are comma-separated);
 *   <li>{@code json}: 1 when the response is well-formed JSON;
 *   <li>{@code max-length:N}: 1 when the response has at most N characters;
 *   <li>{@code remote:URL}: OpenRLHF's remote reward-model protocol ({@link RemoteReward});
 *   <li>{@code judge:URL@MODEL}: an LLM judge over OpenAI's chat completions ({@link LlmJudge}),
 *       URL up to {@code /v1}.
 * </ul>
 *
 * <p>A weight of 0 reports the reward without optimising it. A bad declaration is one line naming
 * it.
 */
final class RewardSpec {
  private RewardSpec() {}

  /** The reward {@code spec} declares; a relative FILE is read from {@code base}. */
  static WeightedReward.Term parse(String spec, Path base) throws IOException {
    String s = spec.strip();
    double weight = 1;
    int star = s.indexOf('*');
    if (star > 0 && s.substring(0, star).matches("[0-9.eE+-]+")) {
      try {
        weight = Double.parseDouble(s.substring(0, star));
      } catch (NumberFormatException e) {
        throw bad(spec, "the weight before * is not a number");
      }
      s = s.substring(star + 1);
    }
    int colon = s.indexOf(':');
    String kind = colon < 0 ? s : s.substring(0, colon);
    String arg = colon < 0 ? "" : s.substring(colon + 1);
    return switch (kind) {
      case "json" -> WeightedReward.Term.of(kind, weight, Verifiers.json());
      case "max-length" -> {
        try {
          yield WeightedReward.Term.of(kind, weight, Verifiers.maxLength(Integer.parseInt(arg)));
        } catch (NumberFormatException e) {
          throw bad(spec, "max-length needs a number of characters: max-length:N");
        }
      }
      case "matches" -> {
        try {
          yield WeightedReward.Term.of(kind, weight, Verifiers.matches(Pattern.compile(arg)));
        } catch (PatternSyntaxException e) {
          throw bad(spec, "not a regular expression: " + e.getDescription());
        }
      }
      case "final-answer" -> {
        if (arg.isEmpty()) {
          throw bad(
              spec, "final-answer needs a JSONL file of prompt and answer: final-answer:FILE");
        }
        yield WeightedReward.Term.of(
            kind, weight, Verifiers.finalAnswer(answers(base.resolve(arg))));
      }
      case "remote" ->
          new WeightedReward.Term(
              kind, weight, new RemoteReward(uri(spec, arg), Duration.ofSeconds(60), Map.of()));
      case "judge" -> {
        int at = arg.lastIndexOf('@');
        if (at < 0) {
          throw bad(spec, "judge needs the endpoint and the model: judge:URL@MODEL");
        }
        uri(spec, arg.substring(0, at));
        yield new WeightedReward.Term(
            kind, weight, LlmJudge.builder(arg.substring(0, at), arg.substring(at + 1)).build());
      }
      default ->
          throw bad(
              spec,
              "unknown reward '"
                  + kind
                  + "'; known: final-answer, matches, json, max-length, remote,"
                  + " judge");
    };
  }

  /** Each of {@code specs}, in order. */
  static List<WeightedReward.Term> parseAll(List<String> specs, Path base) throws IOException {
    List<WeightedReward.Term> out = new java.util.ArrayList<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (String spec : specs) {
      WeightedReward.Term t = parse(spec, base);
      // Two rewards of one kind are reported apart: reward_matches, reward_matches_2.
      int n = seen.merge(t.name(), 1, Integer::sum);
      out.add(n == 1 ? t : new WeightedReward.Term(t.name() + "_" + n, t.weight(), t.batch()));
    }
    return out;
  }

  private static URI uri(String spec, String text) {
    try {
      URI u = URI.create(text);
      if (u.getScheme() == null || !u.getScheme().startsWith("http")) {
        throw bad(spec, "not an http(s) address: " + text);
      }
      return u;
    } catch (IllegalArgumentException e) {
      throw bad(spec, "not an address: " + text);
    }
  }

  private static IllegalArgumentException bad(String spec, String problem) {
    return new IllegalArgumentException("--reward " + spec + ": " + problem);
  }

  // The known answers, {"prompt": ..., "answer": ...} per line.
  private static Map<String, String> answers(Path file) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      Map<String, Object> o;
      try {
        o = Json.parseObject(lines.get(i));
      } catch (JsonParseException e) {
        throw new DataFormatException(file, i + 1, "", "invalid JSON: " + e.getMessage(), e);
      }
      if (!(o.get("prompt") instanceof String prompt)) {
        throw new DataFormatException(file, i + 1, "prompt", "missing or not a string");
      }
      Object answer = o.get("answer");
      if (!(answer instanceof String) && !(answer instanceof Number)) {
        throw new DataFormatException(file, i + 1, "answer", "missing or not a string or number");
      }
      out.put(prompt, answer instanceof String a ? a : JsonWriter.write(answer));
    }
    return out;
  }
}
