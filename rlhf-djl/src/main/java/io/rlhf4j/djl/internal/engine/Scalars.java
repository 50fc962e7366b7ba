package io.rlhf4j.djl.internal.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Scalar constants for differentiable code, allocated by the engine.
 *
 * <p>Why not {@code x.mul(0.5f)}: on CPU, DJL's PyTorch engine turns the Java number into a tensor
 * over a Java direct buffer ({@code from_blob}, no copy), uses it and closes it at once. Autograd,
 * though, saves that scalar for the backward pass of mul, div and pow; once the garbage collector
 * frees the buffer, the backward pass reads whatever lives there next, giving sporadic infinite or
 * NaN gradients. A tensor from {@code full} owns its memory, which autograd keeps alive.
 */
public final class Scalars {
  private Scalars() {}

  /** {@code value} as a 0-d tensor of {@code like}'s type, in {@code like}'s manager. */
  public static NDArray of(NDArray like, double value) {
    return like.getManager().full(new Shape(), (float) value, like.getDataType());
  }
}
