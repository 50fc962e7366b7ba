package io.rlhf4j.reward;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.ToDoubleBiFunction;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shipped verifiers against cases worked by hand. */
class VerifiersTest {
  @Test
  void finalAnswersAreFoundByConventionAndComparedAfterNormalising() {
    ToDoubleBiFunction<String, String> v =
        Verifiers.finalAnswer(
            Map.of("q1", "1000", "q2", "\\frac{1}{2}", "q3", "-3.5", "q4", "Paris"));
    assertThat(v.applyAsDouble("q1", "So the total is $1,000.")).isEqualTo(1); // last number
    assertThat(v.applyAsDouble("q1", "First 12, then 999")).isZero();
    assertThat(v.applyAsDouble("q1", "2 + 998 = \\boxed{1000.0}")).isEqualTo(1); // boxed wins
    assertThat(v.applyAsDouble("q1", "\\boxed{1000} or maybe \\boxed{10}")).isZero(); // the last
    assertThat(v.applyAsDouble("q2", "so \\boxed{\\frac{1}{2}}")).isEqualTo(1); // nested braces
    assertThat(v.applyAsDouble("q2", "so \\boxed{\\frac{1}{3}}")).isZero();
    assertThat(Verifiers.extractAnswer("\\boxed{7} then \\boxed{8")).contains("7"); // unclosed
    assertThat(v.applyAsDouble("q3", "Work... #### -3.50")).isEqualTo(1); // GSM8K's marker
    assertThat(v.applyAsDouble("q4", "The answer: #### paris.")).isEqualTo(1);
    assertThat(v.applyAsDouble("q4", "I do not know")).isZero();
    assertThat(v.applyAsDouble("unknown prompt", "42")).isZero();
    assertThat(Verifiers.extractAnswer("no answer here")).isEmpty();
    assertThat(Verifiers.extractAnswer("x = .5")).contains(".5");
  }

  @Test
  void formatJsonAndLength() {
    ToDoubleBiFunction<String, String> format =
        Verifiers.matches(Pattern.compile("(?s)^<think>.*</think>\\s*<answer>.*</answer>$"));
    assertThat(format.applyAsDouble("p", "<think>a\nb</think> <answer>4</answer>")).isEqualTo(1);
    assertThat(format.applyAsDouble("p", "<answer>4</answer>")).isZero();
    ToDoubleBiFunction<String, String> json = Verifiers.json();
    assertThat(json.applyAsDouble("p", " {\"a\": [1, 2]}\n")).isEqualTo(1);
    assertThat(json.applyAsDouble("p", "{\"a\": [1, 2]")).isZero();
    assertThat(json.applyAsDouble("p", "{\"a\": 1} trailing")).isZero();
    ToDoubleBiFunction<String, String> shortOnes = Verifiers.maxLength(5);
    assertThat(shortOnes.applyAsDouble("p", "12345")).isEqualTo(1);
    assertThat(shortOnes.applyAsDouble("p", "123456")).isZero();
  }
}
