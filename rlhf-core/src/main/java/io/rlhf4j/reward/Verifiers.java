package io.rlhf4j.reward;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import io.rlhf4j.model.RewardFunction;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Verifiers for RL with verifiable rewards (RLVR): each a function of (prompt, response) scoring 1
 * when the response passes and 0 when it does not, to give {@code rewardFunction} alone or with
 * weights.
 */
public final class Verifiers {
  private static final Pattern HASHES = Pattern.compile("####\\s*(.+)");
  private static final Pattern NUMBER = Pattern.compile("-?\\d[\\d,]*(?:\\.\\d+)?|-?\\.\\d+");

  private Verifiers() {}

  /**
   * 1 when the response's final answer equals the prompt's known answer, after normalisation. The
   * final answer is the last {@code \boxed{...}} (MATH's convention), else what follows the last
   * {@code ####} (GSM8K's), else the last number in the response. Both sides are normalised: white
   * space, {@code $}, a trailing period and thousands separators dropped; numbers compared by value
   * ({@code 1,000} = {@code 1000.0}); other text compared ignoring case.
   *
   * @param answers each prompt's known answer; a prompt without one scores 0
   */
  public static RewardFunction finalAnswer(Map<String, String> answers) {
    // A copy: the reward must not change under the run, and must travel to executors.
    Map<String, String> known = Map.copyOf(checkNotNull(answers, "answers"));
    return (prompt, response) -> {
      String expected = known.get(prompt);
      if (expected == null) {
        return 0;
      }
      return extractAnswer(response).map(a -> same(a, expected) ? 1.0 : 0.0).orElse(0.0);
    };
  }

  /** The final answer of {@code response} by the rule of {@link #finalAnswer}, if it has one. */
  public static Optional<String> extractAnswer(String response) {
    String found = lastBoxed(response);
    if (found == null) {
      Matcher hashes = HASHES.matcher(response);
      while (hashes.find()) {
        found = hashes.group(1);
      }
    }
    if (found == null) {
      Matcher number = NUMBER.matcher(response);
      while (number.find()) {
        found = number.group();
      }
    }
    return Optional.ofNullable(found).map(String::strip);
  }

  // The content of the last \boxed{...}, its braces matched ({\frac{1}{2}} nests), or null.
  private static String lastBoxed(String response) {
    int at = response.lastIndexOf("\\boxed{");
    while (at >= 0) {
      int start = at + "\\boxed{".length();
      int depth = 1;
      for (int i = start; i < response.length(); i++) {
        char c = response.charAt(i);
        depth += c == '{' ? 1 : c == '}' ? -1 : 0;
        if (depth == 0) {
          return response.substring(start, i);
        }
      }
      at = response.lastIndexOf("\\boxed{", at - 1); // unclosed: try an earlier one
    }
    return null;
  }

  private static boolean same(String answer, String expected) {
    String a = normalise(answer);
    String e = normalise(expected);
    Optional<BigDecimal> x = number(a);
    Optional<BigDecimal> y = number(e);
    if (x.isPresent() && y.isPresent()) {
      return x.get().compareTo(y.get()) == 0;
    }
    return a.equalsIgnoreCase(e);
  }

  private static String normalise(String s) {
    String t = s.strip().replace("$", "").replaceAll("\\s+", "");
    while (t.endsWith(".")) {
      t = t.substring(0, t.length() - 1);
    }
    return t;
  }

  private static Optional<BigDecimal> number(String s) {
    if (!s.matches("-?\\d{1,3}(,\\d{3})+(\\.\\d+)?|-?\\d*\\.?\\d+")) {
      return Optional.empty();
    }
    return Optional.of(new BigDecimal(s.replace(",", "")));
  }

  /**
   * 1 when {@code format} matches somewhere in the response (use {@code ^...$} with DOTALL to
   * require the whole response, e.g. {@code (?s)^<think>.*</think>\s*<answer>.*</answer>$}).
   */
  public static RewardFunction matches(Pattern format) {
    checkNotNull(format, "format");
    return (prompt, response) -> format.matcher(response).find() ? 1 : 0;
  }

  /** 1 when the response, stripped of surrounding white space, is one well-formed JSON value. */
  public static RewardFunction json() {
    return (prompt, response) -> {
      try {
        Json.parse(response.strip());
        return 1;
      } catch (JsonParseException e) {
        return 0;
      }
    };
  }

  /** 1 when the response has at most {@code characters} characters. */
  public static RewardFunction maxLength(int characters) {
    checkArgument(characters >= 0, "characters must be >= 0");
    return (prompt, response) -> response.length() <= characters ? 1 : 0;
  }
}
