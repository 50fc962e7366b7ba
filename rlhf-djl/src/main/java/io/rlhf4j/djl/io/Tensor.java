package io.rlhf4j.djl.io;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;

/**
 * A named fp32 tensor on the Java heap: the unit of checkpoint I/O, independent of any engine so
 * that loaders can be checked before a single native array is allocated.
 *
 * @param shape the dimensions, row-major
 * @param data the values, length = product of shape
 */
public record Tensor(long[] shape, float[] data) {
  /** Validates that shape and data agree. */
  public Tensor {
    long n = 1;
    for (long d : shape) {
      checkArgument(d >= 0, "negative dimension in %s", Arrays.toString(shape));
      n *= d;
    }
    checkArgument(
        n == data.length,
        "shape %s needs %s values, got %s",
        Arrays.toString(shape),
        n,
        data.length);
  }

  /** The number of elements. */
  public int size() {
    return data.length;
  }

  /** The shape as text, e.g. {@code [512, 64]}. */
  public String shapeString() {
    return Arrays.toString(shape);
  }
}
