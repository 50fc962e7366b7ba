package io.rlhf4j.djl.tensor;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;

/**
 * An fp32 tensor on the Java heap: small tensors, transforms and tests; large weights travel as
 * {@link TensorData} instead, so that they are never held on the heap whole.
 *
 * @param shape the dimensions, row-major
 * @param data the values, length = product of shape
 */
public record Tensor(long[] shape, float[] data) implements TensorData, java.io.Serializable {
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
  @Override
  public long size() {
    return data.length;
  }

  @Override
  public void fill(java.nio.FloatBuffer out) {
    out.put(data);
  }
}
