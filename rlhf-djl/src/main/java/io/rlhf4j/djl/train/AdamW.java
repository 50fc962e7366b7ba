package io.rlhf4j.djl.train;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import io.rlhf4j.djl.internal.engine.HostBuffers;
import io.rlhf4j.djl.internal.engine.Scopes;
import io.rlhf4j.djl.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with PyTorch's semantics ({@code torch.optim.AdamW}), global-norm gradient clipping ({@code
 * clip_grad_norm_}) and state that can be saved and restored, none of which DJL's optimizers offer.
 * Per parameter p with gradient g at step t:
 *
 * <pre>
 *   g ← g · min(1, maxNorm / ‖g_all‖₂)                 (clipping, over all parameters)
 *   p ← p · (1 − lr·λ)                                  (decoupled decay; 0 for norms and biases)
 *   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
 *   p ← p − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * </pre>
 *
 * <p>Gradients accumulate across backward passes (micro-batches) until {@link #step}, which applies
 * them and zeroes them. Call it outside any GradientCollector. On the CPU each value is updated in
 * one pass over host memory on libtorch's threads; elsewhere (a GPU) as libtorch operators.
 */
public final class AdamW implements AutoCloseable {
  private final AdamWConfig config;
  private final NDManager manager;
  private final List<String> names = new ArrayList<>();
  private final List<NDArray> params = new ArrayList<>();
  private final List<Boolean> decays = new ArrayList<>();
  private final List<NDArray> firstMoments = new ArrayList<>();
  private final List<NDArray> secondMoments = new ArrayList<>();
  private final long chunk;
  private final HostAdamW host; // null: the update runs as libtorch operators (GPU, or fp16)
  private long step;

  /**
   * Parameters larger than this many values are updated a block of rows at a time. libtorch's
   * update makes several parameter-sized temporaries; for GPT-2's 154 MB embedding those came from
   * fresh mmap()ed memory every step, zero-filled page by page (264K of a 124M step's 465K page
   * faults, and 1.1 s of its 2.4 s). Blocks of at most 16 MB come from memory the allocator keeps.
   */
  static final long CHUNK = 1L << 18;

  /**
   * @param parameters the trainable parameters by name (their arrays must require gradients)
   * @param parent the manager under which the moments live (the model's, for its device)
   */
  public AdamW(AdamWConfig config, Map<String, Parameter> parameters, NDManager parent) {
    this(config, parameters, parent, CHUNK, HostAdamW.UNIT);
  }

  // With other block sizes: tests check that blocks change nothing. hostUnit 0 keeps the update in
  // libtorch operators even on the CPU.
  AdamW(
      AdamWConfig config,
      Map<String, Parameter> parameters,
      NDManager parent,
      long chunk,
      int hostUnit) {
    checkArgument(chunk >= 1, "chunk must be >= 1");
    this.chunk = chunk;
    this.config = config;
    this.manager = parent.newSubManager();
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      NDArray p = e.getValue().getArray();
      names.add(e.getKey());
      params.add(p);
      decays.add(!(e.getKey().endsWith(".bias") || e.getKey().contains("norm")));
      firstMoments.add(manager.zeros(p.getShape()));
      secondMoments.add(manager.zeros(p.getShape()));
    }
    boolean onHost = hostUnit > 0 && params.stream().allMatch(HostBuffers::viewable);
    this.host = onHost ? new HostAdamW(HostBuffers.threads(), hostUnit) : null;
  }

  /** The number of updates applied so far. */
  public long stepCount() {
    return step;
  }

  /** The configuration. */
  public AdamWConfig config() {
    return config;
  }

  /**
   * Applies the accumulated gradients and zeroes them.
   *
   * @param lrFactor the schedule's multiplier for this step
   * @return the global gradient norm before clipping
   */
  public double step(double lrFactor) {
    checkArgument(lrFactor >= 0, "lrFactor must be >= 0");
    step++;
    // Every temporary is attached to scope explicitly: an op's result lives with its first
    // operand, and parameters and moments must never be borrowed by a scope that closes.
    try (NDManager scope = manager.newSubManager()) {
      List<NDArray> grads = new ArrayList<>(params.size());
      NDList norms = new NDList(params.size());
      for (NDArray p : params) {
        NDArray g = Scopes.into(p.getGradient(), scope);
        grads.add(g);
        norms.add(Scopes.into(g.norm(), scope));
      }
      double squares = 0;
      for (float n : NDArrays.stack(norms).toFloatArray()) { // one device round trip
        squares += (double) n * n;
      }
      double norm = Math.sqrt(squares);
      if (!Double.isFinite(norm)) {
        // Applying it would poison every parameter (∞ · 0 = NaN): refuse, and drop the gradients.
        for (NDArray g : grads) {
          g.subi(g);
        }
        StringBuilder bad = new StringBuilder();
        for (int i = 0; i < grads.size() && bad.length() < 200; i++) {
          if (!Double.isFinite(grads.get(i).abs().sum().getFloat())) {
            bad.append(' ').append(names.get(i));
          }
        }
        step--;
        throw new NonFiniteGradientException(norm, bad.toString().trim());
      }
      double clip =
          config.maxGradNorm() > 0 && norm > config.maxGradNorm()
              ? config.maxGradNorm() / (norm + 1e-6)
              : 1.0;
      double lr = config.learningRate() * lrFactor;
      double bias1 = 1 - Math.pow(config.beta1(), step);
      double bias2 = 1 - Math.pow(config.beta2(), step);
      // Both updates fold PyTorch's bias corrections into the step size and ε: its
      // p −= (η/b₁)·m / (√v/√b₂ + ε) is p −= η'·m / (√v + ε') with η' = η·√b₂/b₁ and ε' = ε·√b₂.
      HostAdamW.Constants c =
          new HostAdamW.Constants(
              (float) clip,
              (float) config.beta1(),
              (float) config.beta2(),
              (float) (lr * Math.sqrt(bias2) / bias1),
              (float) (config.epsilon() * Math.sqrt(bias2)));
      if (host != null) {
        updateOnHost(grads, lr, c, scope);
      } else {
        updateInLibtorch(grads, lr, c, scope);
      }
      return norm;
    }
  }

  private void updateOnHost(
      List<NDArray> grads, double lr, HostAdamW.Constants c, NDManager scope) {
    List<NDArray[]> parts = new ArrayList<>(params.size());
    float[] decay = new float[params.size()];
    for (int i = 0; i < params.size(); i++) {
      parts.add(
          new NDArray[] {params.get(i), grads.get(i), firstMoments.get(i), secondMoments.get(i)});
      decay[i] = (float) (1 - (decays.get(i) ? lr * config.weightDecay() : 0));
    }
    host.update(parts, decay, c, scope);
  }

  // DJL's update, a dozen libtorch operators: it decays p by η·λ first, clips by scaling the
  // gradient, and zeroes the gradient of the parameter it was given.
  private void updateInLibtorch(
      List<NDArray> grads, double lr, HostAdamW.Constants c, NDManager scope) {
    for (int i = 0; i < params.size(); i++) {
      NDArray[] four = {params.get(i), grads.get(i), firstMoments.get(i), secondMoments.get(i)};
      List<NDArray[]> blocks = rowBlocks(four, chunk, scope);
      for (NDArray[] part : blocks) {
        part[0]
            .getNDArrayInternal()
            .adamUpdate(
                new NDList(part[0], part[1], part[2], part[3]),
                new NDList(part[0]),
                (float) lr,
                c.lrCorrected(),
                decays.get(i) ? (float) config.weightDecay() : 0f,
                c.clip(),
                -1f, // no element-wise clamp
                c.beta1(),
                c.beta2(),
                c.epsCorrected(),
                false,
                true);
      }
      if (blocks.size() > 1) {
        // A row block's view has no gradient of its own to zero: zero the whole one, in place.
        grads.get(i).subi(grads.get(i));
      }
    }
  }

  /**
   * Arrays of one shape (a parameter, its gradient and moments) in blocks of whole rows of at most
   * {@code maxValues} values each: the arrays themselves when they fit (or have one row), else
   * views of rows [from, to) in {@code scope}, which write through to the arrays.
   */
  static List<NDArray[]> rowBlocks(NDArray[] arrays, long maxValues, NDManager scope) {
    NDArray first = arrays[0];
    long rows = first.getShape().dimension() == 0 ? 1 : first.getShape().get(0);
    long perRow = first.size() / Math.max(1, rows);
    long block = first.size() <= maxValues || rows <= 1 ? rows : Math.max(1, maxValues / perRow);
    if (block >= rows) {
      return List.<NDArray[]>of(arrays);
    }
    List<NDArray[]> out = new ArrayList<>();
    for (long from = 0; from < rows; from += block) {
      NDIndex index = new NDIndex(from + ":" + Math.min(rows, from + block));
      NDArray[] views = new NDArray[arrays.length];
      for (int k = 0; k < arrays.length; k++) {
        views[k] = Scopes.into(arrays[k].get(index), scope);
      }
      out.add(views);
    }
    return out;
  }

  /** The gradients were not finite; no parameter was changed. */
  public static final class NonFiniteGradientException extends IllegalStateException {
    private final double norm;

    NonFiniteGradientException(double norm, String parameters) {
      super("gradient norm is " + norm + (parameters.isEmpty() ? "" : " (in " + parameters + ")"));
      this.norm = norm;
    }

    /** The offending norm. */
    public double norm() {
      return norm;
    }
  }

  /** The moments as tensors ({@code exp_avg.NAME}, {@code exp_avg_sq.NAME}), for checkpoints. */
  public Map<String, Tensor> state() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      out.put("exp_avg." + names.get(i), tensor(firstMoments.get(i)));
      out.put("exp_avg_sq." + names.get(i), tensor(secondMoments.get(i)));
    }
    return out;
  }

  /** Restores moments and the step count saved by {@link #state()}. */
  public void restore(Map<String, Tensor> state, long stepCount) {
    for (int i = 0; i < names.size(); i++) {
      copyInto(firstMoments.get(i), state.get("exp_avg." + names.get(i)), names.get(i));
      copyInto(secondMoments.get(i), state.get("exp_avg_sq." + names.get(i)), names.get(i));
    }
    this.step = stepCount;
  }

  private static void copyInto(NDArray target, Tensor source, String name) {
    checkArgument(source != null, "optimizer state lacks the moments of '%s'", name);
    checkArgument(
        java.util.Arrays.equals(source.shape(), target.getShape().getShape()),
        "optimizer state for '%s' has shape %s, the parameter %s",
        name,
        source.shapeString(),
        target.getShape());
    try (NDManager scope = target.getManager().newSubManager()) {
      NDArray values = scope.create(source.data(), target.getShape());
      target.set(new ai.djl.ndarray.index.NDIndex("..."), values);
    }
  }

  private static Tensor tensor(NDArray a) {
    return new Tensor(a.getShape().getShape(), a.toFloatArray());
  }

  @Override
  public void close() {
    if (host != null) {
      host.close();
    }
    manager.close();
  }
}
