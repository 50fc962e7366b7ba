package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * One turn of a conversation, as Hugging Face and OpenAI {@code messages} hold it.
 *
 * @param role {@code system}, {@code user}, {@code assistant} (or another role a chat template
 *     knows, such as {@code tool})
 * @param content the turn's text
 */
public record ChatMessage(String role, String content) {
  /** The assistant's role, whose turns are the responses a model learns. */
  public static final String ASSISTANT = "assistant";

  /** Checks that both are present and the role is named. */
  public ChatMessage {
    checkNotNull(role, "role");
    checkNotNull(content, "content");
    checkArgument(!role.isBlank(), "a message needs a role");
  }

  /** Whether this is an assistant turn. */
  public boolean isAssistant() {
    return role.equals(ASSISTANT);
  }
}
