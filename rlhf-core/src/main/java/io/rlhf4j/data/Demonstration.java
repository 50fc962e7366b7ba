package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * One SFT example: a prompt and the ideal response a labeler wrote for it (InstructGPT §3.4).
 *
 * @param prompt the context the model conditions on; may be empty for unconditional text
 * @param response the demonstrated completion; must not be empty, since the SFT loss is taken over
 *     response tokens only and an empty one would contribute nothing
 * @param truncated whether the response was cut off at a length limit rather than finished (a
 *     sampled response that never emitted EOS). A finished response is trained with EOS after it,
 *     so the model learns to stop there; a truncated one without, so it does not learn to stop
 *     mid-sentence. Text people write is finished.
 */
public record Demonstration(String prompt, String response, boolean truncated) {
  /** Validates on construction. */
  public Demonstration {
    checkNotNull(prompt, "prompt");
    checkNotNull(response, "response");
    checkArgument(!response.isEmpty(), "response must not be empty");
  }

  /** A finished demonstration, as a person writes one. */
  public Demonstration(String prompt, String response) {
    this(prompt, response, false);
  }
}
