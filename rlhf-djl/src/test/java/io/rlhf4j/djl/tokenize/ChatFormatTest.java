package io.rlhf4j.djl.tokenize;

import static io.rlhf4j.djl.tokenize.ChatTemplateTest.resource;
import static org.assertj.core.api.Assertions.assertThat;

import io.rlhf4j.data.ChatComparison;
import io.rlhf4j.data.ChatMessage;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.Ranking;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Conversations cut into prompts and responses with real templates, against hand-written text. */
class ChatFormatTest {
  private static final List<ChatMessage> TWO_TURNS =
      List.of(
          new ChatMessage("system", "Be brief."),
          new ChatMessage("user", "Hi"),
          new ChatMessage("assistant", "Hello!"),
          new ChatMessage("user", "Bye"),
          new ChatMessage("assistant", "Goodbye."));

  @Test
  void everyAssistantTurnIsOneDemonstrationInItsContext() throws IOException {
    ChatFormat qwen =
        new ChatFormat(new ChatTemplate(resource("qwen2.5-instruct.jinja"), "", "<|im_end|>"));

    List<Demonstration> demos = qwen.demonstrations(TWO_TURNS);

    String system = "<|im_start|>system\nBe brief.<|im_end|>\n";
    assertThat(demos)
        .containsExactly(
            new Demonstration(
                system + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                "Hello!",
                false),
            new Demonstration(
                system
                    + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
                    + "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n",
                "Goodbye.",
                false));
  }

  @Test
  void llama2PromptsDropTheLeadingBosAndResponsesTheirEos() throws IOException {
    ChatFormat llama =
        new ChatFormat(new ChatTemplate(resource("llama-2-chat.jinja"), "<s>", "</s>"));
    List<ChatMessage> prompt = List.of(new ChatMessage("user", "Tell a joke"));

    Ranking r =
        llama.ranking(
            new ChatComparison(
                prompt,
                List.of(new ChatMessage("assistant", "Why did the chicken cross the road?")),
                List.of(new ChatMessage("assistant", "No."))));

    assertThat(r.prompt()).isEqualTo("[INST] Tell a joke [/INST]");
    // The space before </s> is Llama-2's own (Meta's code encodes "{answer} " and then EOS).
    assertThat(r.responses()).containsExactly(" Why did the chicken cross the road? ", " No. ");
    assertThat(r.ranks()).containsExactly(1, 2);
    // Later turns keep their BOS text: it is inside the prompt, where the tokenizer reads it.
    assertThat(llama.demonstrations(TWO_TURNS.subList(1, 5)).get(1).prompt())
        .isEqualTo("[INST] Hi [/INST] Hello! </s><s>[INST] Bye [/INST]");
  }
}
