package io.rlhf4j.djl.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import io.rlhf4j.data.ChatMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Qwen3's chat template (Qwen3-1.7B's tokenizer_config.json, Apache-2.0) rendered as transformers
 * renders it, against the strings its model card documents: thinking on by default (the model opens
 * its own {@code <think>}), {@code enable_thinking=False} closing an empty block in the generation
 * prompt, earlier turns' reasoning dropped and the last answer's kept. The template leans on
 * Python's string methods ({@code split}, {@code lstrip}, {@code startswith}) and {@code [::-1]}.
 */
class Qwen3TemplateTest {
  private static ChatTemplate qwen3() throws IOException {
    try (InputStream in =
        Qwen3TemplateTest.class.getResourceAsStream("/chat-templates/qwen3.jinja")) {
      return new ChatTemplate(
          new String(in.readAllBytes(), StandardCharsets.UTF_8), "", "<|im_end|>");
    }
  }

  private static final List<ChatMessage> CHAT =
      List.of(
          new ChatMessage("user", "Hi"),
          new ChatMessage("assistant", "<think>\nThey greet me.\n</think>\n\nHello!"),
          new ChatMessage("user", "Again"));

  @Test
  void thinkingIsOnByDefaultAndEarlierReasoningIsDropped() throws IOException {
    assertThat(qwen3().render(CHAT, true))
        .isEqualTo(
            "<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n"
                + "<|im_start|>user\nAgain<|im_end|>\n"
                + "<|im_start|>assistant\n");
  }

  @Test
  void enableThinkingFalseClosesAnEmptyThinkBlock() throws IOException {
    assertThat(qwen3().withVariable("enable_thinking", false).render(CHAT.subList(0, 1), true))
        .isEqualTo(
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  }

  @Test
  void theLastAnswerKeepsItsReasoningAndAPlainOneGetsAnEmptyBlock() throws IOException {
    assertThat(qwen3().render(CHAT.subList(0, 2), false))
        .isEqualTo(
            "<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nThey greet me.\n</think>\n\nHello!<|im_end|>\n");
    assertThat(
            qwen3()
                .render(
                    List.of(new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello!")),
                    false))
        .isEqualTo(
            "<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n");
  }

  @Test
  void aToolResponseIsNotTheLastQuery() throws IOException {
    List<Map<String, Object>> messages =
        List.of(
            Map.of("role", "user", "content", "Weather?"),
            Map.of(
                "role", "assistant", "content", "<think>\nask the tool\n</think>\n\nLet me look."),
            Map.of("role", "tool", "content", "sunny"));
    // The tool's answer comes as a user turn in <tool_response>, but the last query is still the
    // first message, so the assistant turn after it keeps its reasoning.
    assertThat(qwen3().render(messages, List.of(), true))
        .isEqualTo(
            "<|im_start|>user\nWeather?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nask the tool\n</think>\n\nLet me look.<|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\nsunny\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n");
  }
}
