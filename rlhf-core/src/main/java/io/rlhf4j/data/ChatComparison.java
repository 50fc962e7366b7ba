package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;

/**
 * A conversational preference, in TRL's layout: the conversation so far, and two continuations of
 * it (usually one assistant turn each), the first preferred.
 *
 * @param prompt the messages before the responses
 * @param chosen the preferred continuation
 * @param rejected the other continuation
 */
public record ChatComparison(
    List<ChatMessage> prompt, List<ChatMessage> chosen, List<ChatMessage> rejected) {
  /** Copies the lists and checks that both continuations have messages. */
  public ChatComparison {
    prompt = List.copyOf(prompt);
    chosen = List.copyOf(chosen);
    rejected = List.copyOf(rejected);
    checkArgument(!chosen.isEmpty() && !rejected.isEmpty(), "both continuations need messages");
  }
}
