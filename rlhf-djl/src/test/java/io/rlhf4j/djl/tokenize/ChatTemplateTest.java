package io.rlhf4j.djl.tokenize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rlhf4j.data.ChatMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Real chat templates, copied from the models' {@code tokenizer_config.json}, against the exact
 * strings those models document (Hugging Face's chat-templating guide and the models' cards).
 */
class ChatTemplateTest {
  private static final List<ChatMessage> CHAT =
      List.of(
          new ChatMessage("user", "Hello, how are you?"),
          new ChatMessage("assistant", "I'm doing great. How can I help you today?"),
          new ChatMessage("user", "I'd like to show off how chat templating works!"));

  @Test
  void qwen25InstructIsChatMlWithItsDefaultSystemTurn() throws IOException {
    ChatTemplate qwen = new ChatTemplate(resource("qwen2.5-instruct.jinja"), "", "<|im_end|>");

    assertThat(qwen.render(CHAT, false))
        .isEqualTo(
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful"
                + " assistant.<|im_end|>\n"
                + "<|im_start|>user\nHello, how are you?<|im_end|>\n"
                + "<|im_start|>assistant\nI'm doing great. How can I help you today?<|im_end|>\n"
                + "<|im_start|>user\nI'd like to show off how chat templating works!<|im_end|>\n");
    List<ChatMessage> withSystem =
        List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi"));
    assertThat(qwen.render(withSystem, true))
        .isEqualTo(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n");
  }

  @Test
  void llama2ChatIsInstWithSysBlockAndEosAfterEachAnswer() throws IOException {
    ChatTemplate llama = new ChatTemplate(resource("llama-2-chat.jinja"), "<s>", "</s>");
    List<ChatMessage> chat =
        List.of(
            new ChatMessage("system", "You are a helpful assistant"),
            CHAT.get(0),
            CHAT.get(1),
            CHAT.get(2));

    assertThat(llama.render(chat, true))
        .isEqualTo(
            "<s>[INST] <<SYS>>\nYou are a helpful assistant\n<</SYS>>\n\nHello, how are you?"
                + " [/INST] I'm doing great. How can I help you today? </s>"
                + "<s>[INST] I'd like to show off how chat templating works! [/INST]");
  }

  @Test
  void aTemplatesRaiseExceptionBecomesOneClearError() throws IOException {
    ChatTemplate llama = new ChatTemplate(resource("llama-2-chat.jinja"), "<s>", "</s>");
    List<ChatMessage> twoUsers =
        List.of(new ChatMessage("user", "a"), new ChatMessage("user", "b"));

    assertThatThrownBy(() -> llama.render(twoUsers, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "chat template: Conversation roles must alternate user/assistant/user/assistant/...");
  }

  @Test
  void notBindsLooserThanIsAsInJinja2() {
    // Jinja2 reads `not tools is defined` as `not (tools is defined)`.
    assertThat(ChatTemplate.jinja2Precedence("{%- if not tools is defined %}x{% endif %}"))
        .isEqualTo("{%- if not (tools is defined) %}x{% endif %}");
    assertThat(
            ChatTemplate.jinja2Precedence(
                "{% if not messages[0]['role'] is not none and not m.content is iterable %}"))
        .isEqualTo(
            "{% if not (messages[0]['role'] is not none) and not (m.content is iterable) %}");
    // Text outside tags is left alone; so is `not (x is y)` already in parentheses.
    assertThat(ChatTemplate.jinja2Precedence("not x is y {{ not (a is b) }}"))
        .isEqualTo("not x is y {{ not (a is b) }}");
  }

  @Test
  void llama32PrintsTheDateAsTransformersDoesOrTheOneItIsGiven() throws IOException {
    // transformers passes strftime_now, so Llama 3.2's template prints the day it renders on
    // ("Today Date: 06 Dec 2026"), not its fallback "26 Jul 2024".
    ChatTemplate llama =
        new ChatTemplate(resource("llama-3.2-instruct.jinja"), "<|begin_of_text|>", "<|eot_id|>");
    List<ChatMessage> hi = List.of(new ChatMessage("user", "Hi"));
    assertThat(llama.withDate(java.time.LocalDate.of(2026, 12, 6)).render(hi, true))
        .isEqualTo(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 06 Dec 2026\n\n<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    assertThat(llama.render(hi, true))
        .contains("Today Date: " + ChatTemplate.strftime("%d %b %Y", java.time.LocalDate.now()));
    assertThat(
            ChatTemplate.strftime(
                "%A %d %B %Y, day %j, 100%%", java.time.LocalDate.of(2024, 7, 26)))
        .isEqualTo("Friday 26 July 2024, day 208, 100%");
  }

  static String resource(String name) throws IOException {
    try (InputStream in = ChatTemplateTest.class.getResourceAsStream("/chat-templates/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void gemma3FoldsTheSystemTurnIntoTheFirstUserTurnAndCallsTheAssistantModel() throws IOException {
    // Gemma 3's template as transformers' convert_gemma3_weights_orbax_to_hf.py writes it
    // (Apache-2.0), against the format of Gemma's model card.
    ChatTemplate gemma = new ChatTemplate(resource("gemma3.jinja"), "<bos>", "<eos>");
    List<ChatMessage> chat =
        List.of(new ChatMessage("system", "Be brief."), CHAT.get(0), CHAT.get(1), CHAT.get(2));
    assertThat(gemma.render(chat, true))
        .isEqualTo(
            "<bos><start_of_turn>user\nBe brief.\n\nHello, how are you?<end_of_turn>\n"
                + "<start_of_turn>model\nI'm doing great. How can I help you today?<end_of_turn>\n"
                + "<start_of_turn>user\nI'd like to show off how chat templating works!"
                + "<end_of_turn>\n<start_of_turn>model\n");
    assertThatThrownBy(() -> gemma.render(List.of(CHAT.get(1)), false))
        .hasMessageContaining("Conversation roles must alternate");
  }
}
