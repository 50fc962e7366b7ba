package io.rlhf4j.djl.internal.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * [B, R] arrays between the engine and the host. The rollout maths of RLHF (KL-shaped rewards,
 * advantages, whitening) runs on the host through the plain-Java reference functions of rlhf-core,
 * so the numbers the trainer uses are the tested ones; these are the conversions on either side.
 */
public final class HostArrays {
  private HostArrays() {}

  /** A [B, R] array as B rows of R doubles. */
  public static double[][] rows(NDArray a) {
    int b = (int) a.getShape().get(0);
    int r = (int) a.getShape().get(1);
    float[] flat = a.toFloatArray();
    double[][] out = new double[b][r];
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < r; t++) {
        out[i][t] = flat[i * r + t];
      }
    }
    return out;
  }

  /** Row i cut to {@code lengths.get(i).length} entries: per-token values of ragged responses. */
  public static float[][] ragged(NDArray a, List<int[]> lengths) {
    int r = (int) a.getShape().get(1);
    float[] flat = a.toFloatArray();
    float[][] out = new float[lengths.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = Arrays.copyOfRange(flat, i * r, i * r + lengths.get(i).length);
    }
    return out;
  }

  /** B rows of R doubles as a [B, R] fp32 array of {@code scope}. */
  public static NDArray tensor(NDManager scope, double[][] x) {
    int r = x.length == 0 ? 0 : x[0].length;
    float[] flat = new float[x.length * r];
    for (int i = 0; i < x.length; i++) {
      for (int t = 0; t < r; t++) {
        flat[i * r + t] = (float) x[i][t];
      }
    }
    return scope.create(flat, new Shape(x.length, r));
  }

  /**
   * The given rows of a [B][R] array, each cut or zero-padded to {@code width}: a minibatch's slice
   * of rollout arrays, laid out like the {@code SequenceBatch} of those rows.
   */
  public static double[][] pick(double[][] x, List<Integer> rows, int width) {
    double[][] out = new double[rows.size()][];
    for (int k = 0; k < rows.size(); k++) {
      out[k] = Arrays.copyOf(x[rows.get(k)], width);
    }
    return out;
  }

  /** The response width {@code SequenceBatch} gives these responses: the longest, at least 1. */
  public static int width(List<int[]> responses) {
    return Math.max(1, responses.stream().mapToInt(r -> r.length).max().orElse(1));
  }

  /**
   * Copies a micro-batch's rows into a larger batch's array at row {@code at}, each zero-padded to
   * {@code width}.
   *
   * @return the next free row
   */
  public static int place(double[][] from, double[][] into, int at, int width) {
    for (double[] row : from) {
      into[at++] = Arrays.copyOf(row, width);
    }
    return at;
  }
}
