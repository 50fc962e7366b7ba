package io.rlhf4j.djl.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import io.rlhf4j.episode.HermesToolFormat;
import io.rlhf4j.episode.LlamaToolFormat;
import io.rlhf4j.episode.Tool;
import io.rlhf4j.episode.ToolArguments;
import io.rlhf4j.episode.ToolCall;
import io.rlhf4j.episode.ToolParameter;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tool calls as Qwen2.5-Instruct's real chat template renders them with {@code tools=}: the text an
 * episode builds turn by turn (prompt, the policy's call, the environment's observation) must be
 * the text the template writes for the same conversation, character for character.
 */
class ToolTemplateTest {
  private static final Tool LOOKUP =
      Tool.builder("lookup")
          .description("Looks a word up.")
          .parameter("word", ToolParameter.Type.STRING, "the word")
          .function(args -> "a small mammal")
          .build();

  @Test
  void qwenSystemBlockListsTheSchemaAsPythonWritesIt() throws IOException {
    ChatTemplate qwen = qwen();
    String prompt =
        qwen.render(List.of(message("user", "What is an otter?")), List.of(LOOKUP.schema()), true);
    // json.dumps of the schema dict, keys in insertion order, ", " and ": " separators.
    assertThat(prompt)
        .contains(
            "<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"lookup\", \"description\":"
                + " \"Looks a word up.\", \"parameters\": {\"type\": \"object\", \"properties\":"
                + " {\"word\": {\"type\": \"string\", \"description\": \"the word\"}}, \"required\":"
                + " [\"word\"]}}}\n</tools>")
        .endsWith("<|im_start|>user\nWhat is an otter?<|im_end|>\n<|im_start|>assistant\n");
  }

  @Test
  void anEpisodeReadsAsTheTemplateWritesTheSameConversation() throws IOException {
    ChatTemplate qwen = qwen();
    List<Map<String, Object>> tools = List.of(LOOKUP.schema());
    Map<String, Object> user = message("user", "What is an otter?");
    Map<String, Object> arguments = new LinkedHashMap<>();
    arguments.put("word", "otter");
    Map<String, Object> assistant = toolCall("lookup", arguments);
    Map<String, Object> result = message("tool", "a small mammal");
    Map<String, Object> result2 = message("tool", "no entry");

    HermesToolFormat format = HermesToolFormat.qwen();
    ToolCall call = new ToolCall("lookup", new ToolArguments(arguments));
    // The policy writes the call and ends its turn with <|im_end|>; the environment writes the
    // rest.
    String episode =
        qwen.render(List.of(user), tools, true)
            + format.callText(call)
            + "<|im_end|>"
            + format.observation(List.of("a small mammal", "no entry"));
    assertThat(episode)
        .isEqualTo(qwen.render(List.of(user, assistant, result, result2), tools, true));
    assertThat(format.parse(format.callText(call)).calls()).containsExactly(call);
  }

  @Test
  void llamaEpisodeReadsAsLlama32sTemplateWritesIt() throws IOException {
    // Llama 3.2-Instruct's real template: tools in the first user message as tojson(indent=4), the
    // call as {"name", "parameters"}, each result an ipython message, a string JSON-quoted.
    ChatTemplate llama =
        new ChatTemplate(
                ChatTemplateTest.resource("llama-3.2-instruct.jinja"),
                "<|begin_of_text|>",
                "<|eot_id|>")
            .withDate(java.time.LocalDate.of(2024, 7, 26));
    List<Map<String, Object>> tools = List.of(LOOKUP.schema());
    Map<String, Object> user = message("user", "What is an otter?");
    Map<String, Object> arguments = new LinkedHashMap<>();
    arguments.put("word", "otter");
    Map<String, Object> assistant = toolCall("lookup", arguments);
    Map<String, Object> result = message("tool", "a small \"river\" mammal");

    LlamaToolFormat format = new LlamaToolFormat();
    ToolCall call = new ToolCall("lookup", new ToolArguments(arguments));
    String prompt = llama.render(List.of(user), tools, true);
    assertThat(prompt)
        .contains(
            "Environment: ipython\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>")
        .contains(format.describe(List.of(LOOKUP)) + "What is an otter?<|eot_id|>")
        .contains(
            "{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"lookup\",");
    String episode =
        prompt
            + format.callText(call)
            + "<|eot_id|>"
            + format.observation(List.of("a small \"river\" mammal"));
    assertThat(episode).isEqualTo(llama.render(List.of(user, assistant, result), tools, true));
    assertThat(format.parse(format.callText(call)).calls()).containsExactly(call);
    assertThat(format.parse("An otter is a mammal.").callsTools()).isFalse();
    assertThat(format.parse("{\"name\": \"lookup\", \"parameters\": [1]}").errors()).hasSize(1);
  }

  private static ChatTemplate qwen() throws IOException {
    return new ChatTemplate(ChatTemplateTest.resource("qwen2.5-instruct.jinja"), "", "<|im_end|>");
  }

  // An assistant message that calls one tool, as transformers takes it.
  private static Map<String, Object> toolCall(String name, Map<String, Object> arguments) {
    Map<String, Object> function = new LinkedHashMap<>();
    function.put("name", name);
    function.put("arguments", arguments);
    Map<String, Object> assistant = message("assistant", "");
    assistant.put("tool_calls", List.of(Map.of("type", "function", "function", function)));
    return assistant;
  }

  private static Map<String, Object> message(String role, String content) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", role);
    m.put("content", content);
    return m;
  }
}
