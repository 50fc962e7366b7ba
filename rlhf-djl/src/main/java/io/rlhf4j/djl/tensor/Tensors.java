package io.rlhf4j.djl.tensor;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Lazy transforms of {@link TensorData}, for the layout conversions between checkpoint formats
 * (GPT-2's Conv1D weights are stored [in, out] and its attention fuses q, k and v). Each reads its
 * source only when filled, and then one tensor at a time.
 */
public final class Tensors {
  private Tensors() {}

  /** [rows, cols] → [cols, rows]. */
  public static TensorData transposed(TensorData t) {
    long[] s = t.shape();
    return new Lazy(new long[] {s[1], s[0]}) {
      @Override
      public void fill(FloatBuffer out) throws IOException {
        Tensor source = t.materialize();
        int rows = (int) s[0];
        int cols = (int) s[1];
        float[] data = source.data();
        for (int c = 0; c < cols; c++) {
          for (int r = 0; r < rows; r++) {
            out.put(data[r * cols + c]);
          }
        }
      }
    };
  }

  /** Rows {@code from} .. {@code from + count − 1} of a matrix (or elements of a vector). */
  public static TensorData rows(TensorData t, long from, long count) {
    long[] s = t.shape();
    long cols = s.length == 1 ? 1 : s[1];
    long[] shape = s.length == 1 ? new long[] {count} : new long[] {count, cols};
    return new Lazy(shape) {
      @Override
      public void fill(FloatBuffer out) throws IOException {
        out.put(t.materialize().data(), (int) (from * cols), (int) (count * cols));
      }
    };
  }

  /** The parts stacked by rows, in order (all with the same row width). */
  public static TensorData concatRows(List<? extends TensorData> parts) {
    long rows = 0;
    for (TensorData p : parts) {
      rows += p.shape()[0];
    }
    long[] first = parts.get(0).shape();
    long[] shape = first.length == 1 ? new long[] {rows} : new long[] {rows, first[1]};
    return new Lazy(shape) {
      @Override
      public void fill(FloatBuffer out) throws IOException {
        for (TensorData p : parts) {
          p.fill(out);
        }
      }
    };
  }

  /** {@code t} plus {@code delta} element-wise (a LoRA update merged into a weight). */
  public static TensorData plus(TensorData t, float[] delta) {
    return new Lazy(t.shape()) {
      @Override
      public void fill(FloatBuffer out) throws IOException {
        float[] sum = t.materialize().data().clone();
        for (int i = 0; i < sum.length; i++) {
          sum[i] += delta[i];
        }
        out.put(sum);
      }
    };
  }

  /** A tensor whose shape is known and whose values come later. */
  abstract static class Lazy implements TensorData {
    private final long[] shape;

    Lazy(long[] shape) {
      this.shape = shape;
    }

    @Override
    public long[] shape() {
      return shape;
    }
  }
}
