package io.rlhf4j.episode;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every kind of bad call comes back as an observation the policy reads, and is counted. */
class ToolEnvironmentTest {
  private static final Tool ADD =
      Tool.builder("add")
          .description("Adds two integers.")
          .parameter("a", ToolParameter.Type.INTEGER, "first")
          .parameter("b", ToolParameter.Type.INTEGER, "second")
          .function(args -> Long.toString(args.integer("a") + args.integer("b")))
          .build();
  private static final Tool BROKEN =
      Tool.builder("broken")
          .function(
              args -> {
                throw new IllegalStateException("disk full");
              })
          .build();
  private static final Tool SLOW =
      Tool.builder("slow")
          .function(
              args -> {
                Thread.sleep(10_000);
                return "late";
              })
          .build();

  private static ToolEnvironment environment() {
    return new ToolEnvironment(
        List.of(ADD, BROKEN, SLOW), HermesToolFormat.plain(), Duration.ofMillis(200));
  }

  private static String call(String json) {
    return "<tool_call>\n" + json + "\n</tool_call>";
  }

  @Test
  void aGoodCallAnswersWithTheResultAndATurnWithoutCallsEnds() {
    ToolEnvironment env = environment();
    EnvironmentStep step =
        env.step(
            "Let me add. " + call("{\"name\": \"add\", \"arguments\": {\"a\": 2, \"b\": 40}}"));
    assertThat(step.done()).isFalse();
    assertThat(step.observation()).isEqualTo("\n<tool_response>\n42\n</tool_response>\n");
    assertThat(env.step("The sum is 42.").done()).isTrue();
    assertThat(env.metrics()).containsEntry("tool_calls", 1.0).containsEntry("tool_failed", 0.0);
  }

  @Test
  void badCallsBecomeObservationsNeverExceptions() {
    ToolEnvironment env = environment();
    String turn =
        call("{\"name\": \"add\", \"arguments\": {\"a\": 2}}") // missing argument
            + call("{\"name\": \"add\", \"arguments\": {\"a\": \"two\", \"b\": 1}}") // mistyped
            + call("{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 1, \"c\": 1}}") // extra
            + call("{\"name\": \"subtract\", \"arguments\": {}}") // unknown tool
            + call("{\"name\": \"add\", \"arguments\": {\"a\": 1,}") // not JSON
            + call("{\"name\": \"broken\"}") // throws
            + call("{\"name\": \"slow\"}") // times out
            + "<tool_call>{\"name\": \"add\""; // never closed
    EnvironmentStep step = env.step(turn);
    assertThat(step.done()).isFalse();
    String o = step.observation();
    assertThat(o)
        .contains("error: tool 'add' needs argument 'b'")
        .contains("error: argument 'a' must be an integer, got a string")
        .contains("error: tool 'add' has no argument 'c'")
        .contains("error: unknown tool 'subtract'; the tools are [add, broken, slow]")
        .contains("error: tool call is not valid JSON")
        .contains("error: tool 'broken' failed: java.lang.IllegalStateException: disk full")
        .contains("error: tool 'slow' timed out after 200 ms")
        .contains("error: <tool_call> without </tool_call>");
    // Unparsable blocks first, then the parsed calls in order.
    assertThat(o.split("<tool_response>", -1)).hasSize(1 + 8);
    Map<String, Double> m = env.metrics();
    assertThat(m)
        .containsEntry("tool_calls", 8.0)
        .containsEntry("tool_unparsable", 2.0)
        .containsEntry("tool_unknown", 1.0)
        .containsEntry("tool_bad_arguments", 3.0)
        .containsEntry("tool_failed", 1.0)
        .containsEntry("tool_timed_out", 1.0);
  }

  @Test
  void argumentsGivenAsAJsonStringAreReadToo() {
    ParsedTurn t =
        HermesToolFormat.plain()
            .parse(call("{\"name\": \"add\", \"arguments\": \"{\\\"a\\\": 1, \\\"b\\\": 2}\"}"));
    assertThat(t.errors()).isEmpty();
    assertThat(t.calls()).hasSize(1);
    assertThat(t.calls().get(0).arguments().values()).containsEntry("a", 1L).containsEntry("b", 2L);
  }
}
