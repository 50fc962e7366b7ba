package io.rlhf4j.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rlhf4j.djl.internal.engine.HostBuffers;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * AdamW's update of parameters in host memory, in one pass over each value's parameter, gradient
 * and moments, on as many threads as libtorch uses.
 *
 * <p>Written by hand because nothing reachable does it in one pass: DJL exposes no fused optimizer
 * (libtorch's {@code _fused_adamw_}, which PyTorch eager uses, is not among its operators), and
 * DJL's {@code adamUpdate} runs a dozen separate libtorch operators with four parameter-sized
 * temporaries. On GPT-2 124M that took 0.36–0.55 s of a 1.7 s training step where this pass takes
 * about 0.15 s (TrainStepBenchmark). Element-wise, so the result does not depend on the number of
 * threads or how the work is split.
 */
final class HostAdamW implements AutoCloseable {
  /** Values per unit of work a thread takes at a time. */
  static final int UNIT = 1 << 20;

  // A direct buffer covers at most 2 GB; a larger parameter is updated a block of rows at a time
  // (a block of rows of a contiguous array is contiguous, so its buffer aliases it too).
  private static final long MAX_BLOCK = 1L << 28;

  private final int threads;
  private final int unit;
  private ExecutorService pool; // threads - 1 helpers, made on first use

  HostAdamW(int threads, int unit) {
    this.threads = Math.max(1, threads);
    this.unit = unit;
  }

  /** The step's constants, shared by every value (and by the libtorch update on a GPU). */
  record Constants(float clip, float beta1, float beta2, float lrCorrected, float epsCorrected) {}

  /**
   * Updates every parameter in place and zeroes its gradient.
   *
   * @param parts per parameter: the parameter, its gradient, first and second moment (CPU, fp32,
   *     contiguous)
   * @param decay per parameter: the factor 1 − lr·λ of the decoupled decay (1 for none)
   */
  void update(List<NDArray[]> parts, float[] decay, Constants c, NDManager scope) {
    List<Unit> units = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      for (NDArray[] block : AdamW.rowBlocks(parts.get(i), MAX_BLOCK, scope)) {
        FloatBuffer[] buffers = new FloatBuffer[block.length];
        for (int k = 0; k < block.length; k++) {
          buffers[k] = HostBuffers.floats(block[k]);
        }
        int n = buffers[0].capacity();
        for (int start = 0; start < n; start += unit) {
          units.add(new Unit(buffers, start, Math.min(n, start + unit), decay[i]));
        }
      }
    }
    run(units, c);
  }

  /**
   * One pass over values [from, to) of one parameter, PyTorch's AdamW with the bias corrections
   * folded into the step size and ε (lr' = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ), ε' = ε·√(1 − β₂ᵗ)):
   *
   * <pre>
   *   g ← clip · g
   *   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
   *   p ← (1 − lr·λ) p − lr' · m / (√v + ε'),   g ← 0
   * </pre>
   */
  static void apply(
      FloatBuffer p,
      FloatBuffer g,
      FloatBuffer m,
      FloatBuffer v,
      int from,
      int to,
      float decay,
      Constants c) {
    float b1 = c.beta1();
    float b2 = c.beta2();
    float oneMinusB1 = 1 - b1;
    float oneMinusB2 = 1 - b2;
    for (int i = from; i < to; i++) {
      float gi = c.clip() * g.get(i);
      float mi = b1 * m.get(i) + oneMinusB1 * gi;
      float vi = b2 * v.get(i) + oneMinusB2 * gi * gi;
      m.put(i, mi);
      v.put(i, vi);
      p.put(
          i, decay * p.get(i) - c.lrCorrected() * mi / ((float) Math.sqrt(vi) + c.epsCorrected()));
      g.put(i, 0f);
    }
  }

  private record Unit(FloatBuffer[] buffers, int from, int to, float decay) {
    void run(Constants c) {
      apply(buffers[0], buffers[1], buffers[2], buffers[3], from, to, decay, c);
    }
  }

  // The calling thread and threads − 1 helpers take units until none are left.
  private void run(List<Unit> units, Constants c) {
    AtomicInteger next = new AtomicInteger();
    Runnable work =
        () -> {
          for (int u = next.getAndIncrement(); u < units.size(); u = next.getAndIncrement()) {
            units.get(u).run(c);
          }
        };
    int helpers = Math.min(threads, units.size()) - 1;
    if (helpers <= 0) {
      work.run();
      return;
    }
    if (pool == null) {
      pool =
          Executors.newFixedThreadPool(
              threads - 1,
              r -> {
                Thread t = new Thread(r, "rlhf4j-adamw");
                t.setDaemon(true);
                return t;
              });
    }
    List<Future<?>> running = new ArrayList<>(helpers);
    for (int h = 0; h < helpers; h++) {
      running.add(pool.submit(work));
    }
    work.run();
    try {
      for (Future<?> f : running) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during the AdamW update", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the AdamW update failed", e.getCause());
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
