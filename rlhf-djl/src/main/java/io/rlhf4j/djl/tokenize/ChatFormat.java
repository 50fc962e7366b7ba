package io.rlhf4j.djl.tokenize;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.data.ChatComparison;
import io.rlhf4j.data.ChatMessage;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.Ranking;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Conversations turned into what the trainers read, through a model's chat template: a prompt is
 * the conversation rendered with the generation prompt; a response is exactly the text the template
 * adds for the assistant's turn. So SFT's loss falls on assistant turns only (every other token is
 * prompt), and the reward model, DPO and RL see the text the model will see when it is served.
 *
 * <p>Two conventions keep token boundaries right. The template's leading BOS text is dropped from a
 * prompt, since the encoding adds the BOS token itself. A response that ends with the template's
 * EOS text (Qwen's {@code <|im_end|>}, Llama-2's {@code </s>}) ends there, and the encoding appends
 * the EOS token after it, as for any finished response.
 */
public final class ChatFormat {
  private final ChatTemplate template;

  /** Formats conversations with {@code template}. */
  public ChatFormat(ChatTemplate template) {
    this.template = checkNotNull(template, "template");
  }

  /** The conversation as a prompt that asks for the assistant's next turn. */
  public String prompt(List<ChatMessage> conversation) {
    String text = template.render(conversation, true);
    String bos = template.bosToken();
    return !bos.isEmpty() && text.startsWith(bos) ? text.substring(bos.length()) : text;
  }

  /**
   * One demonstration per assistant turn: the conversation before the turn as the prompt, the turn
   * as the response. A multi-turn conversation thus teaches every assistant turn, each in its
   * context, and never a user's or system's words.
   *
   * @throws IllegalArgumentException if the conversation has no assistant turn
   */
  public List<Demonstration> demonstrations(List<ChatMessage> conversation) {
    List<Demonstration> out = new ArrayList<>();
    for (int i = 0; i < conversation.size(); i++) {
      if (conversation.get(i).isAssistant()) {
        List<ChatMessage> before = conversation.subList(0, i);
        out.add(
            new Demonstration(
                prompt(before), response(before, conversation.subList(i, i + 1)), false));
      }
    }
    checkArgument(!out.isEmpty(), "the conversation has no assistant turn to learn");
    return out;
  }

  /** The comparison as a ranking of K = 2 responses to the rendered prompt, chosen first. */
  public Ranking ranking(ChatComparison comparison) {
    List<ChatMessage> prompt = comparison.prompt();
    return new Ranking(
        prompt(prompt),
        List.of(response(prompt, comparison.chosen()), response(prompt, comparison.rejected())),
        List.of(1, 2),
        OptionalDouble.empty(),
        List.of(false, false));
  }

  /**
   * The text {@code turns} add after {@code before} and its generation prompt, without the EOS text
   * the encoding appends as a token.
   *
   * @throws IllegalArgumentException if the template does not write the conversation so far as a
   *     prefix of the conversation with the new turns (then no response text can be cut out)
   */
  public String response(List<ChatMessage> before, List<ChatMessage> turns) {
    List<ChatMessage> all = new ArrayList<>(before);
    all.addAll(turns);
    String head = template.render(before, true);
    String whole = template.render(all, false);
    checkArgument(
        whole.startsWith(head),
        "the chat template does not write a conversation as a prefix of its continuation, so the"
            + " assistant's turn cannot be told apart: %s...",
        whole.substring(0, Math.min(80, whole.length())));
    String response = whole.substring(head.length()).stripTrailing();
    String eos = template.eosToken();
    if (!eos.isEmpty() && response.endsWith(eos)) {
      response = response.substring(0, response.length() - eos.length());
    }
    return response;
  }
}
