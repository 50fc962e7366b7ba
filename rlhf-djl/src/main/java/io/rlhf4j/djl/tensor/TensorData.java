package io.rlhf4j.djl.tensor;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A tensor's shape and a way to produce its fp32 values, row-major, on demand: from a file region,
 * from a transform of another tensor, or from an array. Loading streams each tensor straight into
 * the native buffer the model keeps, and saving streams each one from the model into the file, so
 * no second copy of a model's weights is ever held on the Java heap.
 */
public interface TensorData {
  /** The dimensions, row-major. */
  long[] shape();

  /** Writes exactly {@link #size()} values into {@code out}, advancing its position. */
  void fill(FloatBuffer out) throws IOException;

  /** The number of elements. */
  default long size() {
    long n = 1;
    for (long d : shape()) {
      n *= d;
    }
    return n;
  }

  /** The shape as text, e.g. {@code [512, 64]}. */
  default String shapeString() {
    return Arrays.toString(shape());
  }

  /** The values as a heap tensor (for small tensors and transforms). */
  default Tensor materialize() throws IOException {
    if (this instanceof Tensor t) {
      return t;
    }
    float[] data = new float[Math.toIntExact(size())];
    fill(FloatBuffer.wrap(data));
    return new Tensor(shape(), data);
  }
}
