package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * One SFT example: a prompt and the ideal response a labeler wrote for it (InstructGPT §3.4).
 *
 * @param prompt the context the model conditions on; may be empty for unconditional text
 * @param response the demonstrated completion; must not be empty, since the SFT loss is taken over
 *     response tokens only and an empty one would contribute nothing
 */
public record Demonstration(String prompt, String response) {
  /** Validates on construction. */
  public Demonstration {
    checkNotNull(prompt, "prompt");
    checkNotNull(response, "response");
    checkArgument(!response.isEmpty(), "response must not be empty");
  }
}
