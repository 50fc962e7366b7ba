package io.rlhf4j.djl.internal.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Moves an array into a scope. DJL attaches an op's result to its first operand's manager; when
 * that operand is long-lived (a parameter, a moment, the KV cache), the result must be moved into
 * the step's scope explicitly or it lives, and leaks, as long as that operand.
 */
public final class Scopes {
  private Scopes() {}

  /** {@code array}, now owned by {@code scope}. */
  public static NDArray into(NDArray array, NDManager scope) {
    array.attach(scope);
    return array;
  }
}
