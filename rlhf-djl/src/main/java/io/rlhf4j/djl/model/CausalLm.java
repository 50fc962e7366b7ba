package io.rlhf4j.djl.model;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.internal.engine.Scalars;
import io.rlhf4j.djl.internal.engine.Scopes;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.tensor.TensorData;
import io.rlhf4j.djl.tensor.Tensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * A decoder-only transformer as one DJL block: a causal trunk shared by two heads, the LM head
 * (policy, reference) and an optional scalar head (reward and value models). Covers the Llama
 * family (RMSNorm, rotary positions, grouped-query attention, SwiGLU, optional q/k/v biases) and
 * GPT-2 (LayerNorm, learned positions, tanh-GELU). fp32 throughout.
 *
 * <p>Parameters live in this model's own {@link NDManager} on its device; forward passes create
 * their activations in the manager of the token array passed in, so callers scope each step in a
 * sub-manager and free everything by closing it. Autograd works through {@link
 * ai.djl.training.GradientCollector} once {@link #setTrainable} is on.
 *
 * <p>Rotary embeddings follow Hugging Face's rotate-half convention; llama2.c checkpoints are
 * permuted into it on load.
 *
 * <p>A model can also be a LoRA view of another ({@link #withLora}): it shares every weight array
 * of its base, which stays frozen, and owns only its adapter's A and B matrices (and a scalar head,
 * if it gets one). Several roles (policy, value, reward model) can so share one copy of the base,
 * and the base itself is the model with the adapter switched off, which is what PPO's reference
 * policy is.
 */
public final class CausalLm extends AbstractBlock implements AutoCloseable {
  private static final float MASKED = -1e9f;

  private final ModelConfig config;
  private final NDManager manager;
  private final CausalLm base; // null unless this is a LoRA view
  private final LoraConfig lora;
  private final Map<String, LoraLayout.Module> adapted = new LinkedHashMap<>();
  private final Map<String, Parameter> params = new LinkedHashMap<>();
  private final List<DecoderLayer> layers = new ArrayList<>();
  private final Rope rope; // null without RoPE (GPT-2)
  private final Rope localRope; // the windowed layers' own RoPE (Gemma 3), else null

  private CausalLm(ModelConfig config, Device device, Arrays0 arrays) {
    this.config = config;
    this.manager = NDManager.newBaseManager(device);
    this.base = null;
    this.lora = null;
    try {
      register(arrays.make(manager));
      this.rope = config.family() == ModelConfig.Family.GPT2 ? null : Rope.of(config, manager);
      this.localRope = Rope.local(config, manager);
      Projector plain = new Projector(Map.of(), null, this::array);
      for (int i = 0; i < config.numLayers(); i++) {
        layers.add(new DecoderLayer(config, i, LayerWeights.of(this::array, i), plain, rope));
      }
    } catch (RuntimeException | Error e) {
      // Every weight is in native memory by now: free it, or each failed load leaks a model.
      manager.close();
      throw e;
    }
  }

  // A LoRA view of base: base's arrays, this adapter's own parameters (and head).
  private CausalLm(CausalLm base, LoraConfig lora, List<LoraLayout.Module> modules, Arrays0 own) {
    this.config = base.config;
    this.manager = NDManager.newBaseManager(base.manager.getDevice());
    this.base = base;
    this.lora = lora;
    this.rope = base.rope;
    this.localRope = base.localRope;
    for (LoraLayout.Module m : modules) {
      adapted.put(m.name(), m);
    }
    try {
      register(own.make(manager));
      // The base's layers' arrays, this view's adapters.
      Projector adapters = new Projector(adapted, lora, this::array);
      for (int i = 0; i < config.numLayers(); i++) {
        layers.add(new DecoderLayer(config, i, base.layers.get(i).weights(), adapters, base.rope));
      }
    } catch (RuntimeException | Error e) {
      manager.close();
      throw e;
    }
  }

  /** Makes a new model's parameter arrays in its manager. */
  @FunctionalInterface
  private interface Arrays0 {
    Map<String, NDArray> make(NDManager manager);
  }

  private void register(Map<String, NDArray> arrays) {
    for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
      Parameter p =
          Parameter.builder()
              .setName(e.getKey())
              .setType(e.getKey().endsWith(".bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT)
              .optArray(e.getValue())
              .build();
      params.put(e.getKey(), addParameter(p));
    }
  }

  // Arrays streamed from their sources, one tensor at a time, through one reused direct buffer
  // into memory libtorch owns. Keeping the direct buffers themselves as the weights would tie a
  // model's size to the JVM's direct-memory limit (by default the heap size) and leave their
  // release to the garbage collector. A non-finite value fails the load, naming the tensor.
  private static Arrays0 streamed(Map<String, ? extends TensorData> tensors) {
    return manager -> {
      for (Map.Entry<String, ? extends TensorData> e : tensors.entrySet()) {
        // A Java buffer holds at most 2 GiB; models up to ~3B parameters have no larger tensor.
        checkArgument(
            e.getValue().size() <= Integer.MAX_VALUE / 4,
            "tensor '%s' holds %s values: tensors over 2 GiB are not supported yet",
            e.getKey(),
            e.getValue().size());
      }
      long largest = tensors.values().stream().mapToLong(TensorData::size).max().orElse(0);
      ByteBuffer scratch =
          ByteBuffer.allocateDirect(Math.toIntExact(4 * Math.max(1, largest)))
              .order(ByteOrder.nativeOrder());
      Map<String, NDArray> out = new LinkedHashMap<>();
      for (Map.Entry<String, ? extends TensorData> e : tensors.entrySet()) {
        TensorData t = e.getValue();
        ByteBuffer bytes = scratch.clear().limit(Math.toIntExact(4 * t.size())).slice();
        bytes.order(ByteOrder.nativeOrder());
        try {
          t.fill(bytes.asFloatBuffer());
        } catch (IOException ex) {
          throw new UncheckedIOException("cannot read tensor '" + e.getKey() + "'", ex);
        }
        checkFinite(e.getKey(), bytes.asFloatBuffer());
        try (NDArray view = manager.create(bytes, new Shape(t.shape()), DataType.FLOAT32)) {
          NDArray owned = view.duplicate();
          owned.attach(manager);
          out.put(e.getKey(), owned);
        }
      }
      return out;
    };
  }

  // Native copies of another model's arrays (on the new model's device), no trip through the heap.
  private static Arrays0 duplicated(Map<String, NDArray> arrays) {
    return manager -> {
      Map<String, NDArray> out = new LinkedHashMap<>();
      arrays.forEach(
          (name, a) -> {
            // libtorch's to(device, copy) aliases the storage when the device is unchanged, so
            // clone explicitly there.
            NDArray copy =
                a.getDevice().equals(manager.getDevice())
                    ? a.duplicate()
                    : a.toDevice(manager.getDevice(), true);
            copy.attach(manager);
            copy.setRequiresGradient(false);
            out.put(name, copy);
          });
      return out;
    };
  }

  /**
   * A model from canonical tensors (see {@link ParameterLayout}). Every expected tensor must be
   * present with its exact shape; the scalar head ({@code score.*}) is optional.
   *
   * @throws IllegalArgumentException naming the tensor when one is missing, extra or misshapen
   */
  public static CausalLm fromTensors(
      ModelConfig config, Map<String, ? extends TensorData> tensors, Device device) {
    // Compare the layer count with the tensors first: a config claiming 10^7 layers must not make
    // a layout of 10^7 entries before anything is checked.
    long layersPresent =
        tensors.keySet().stream()
            .filter(n -> n.matches("layers\\.\\d+\\..*"))
            .map(n -> n.substring(0, n.indexOf('.', "layers.".length())))
            .distinct()
            .count();
    checkArgument(
        layersPresent == config.numLayers(),
        "the config has %s layers but the weights hold %s",
        config.numLayers(),
        layersPresent);
    Map<String, long[]> expected = new LinkedHashMap<>(ParameterLayout.of(config));
    if (tensors.containsKey("score.weight") || tensors.containsKey("score.bias")) {
      expected.putAll(ParameterLayout.scalarHead(config));
    }
    Map<String, TensorData> ordered = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      TensorData t = tensors.get(e.getKey());
      checkArgument(t != null, "tensor '%s' is missing", e.getKey());
      checkArgument(
          Arrays.equals(t.shape(), e.getValue()),
          "tensor '%s' has shape %s but the config implies %s",
          e.getKey(),
          t.shapeString(),
          Arrays.toString(e.getValue()));
      ordered.put(e.getKey(), t);
    }
    for (String name : tensors.keySet()) {
      checkArgument(expected.containsKey(name), "unexpected tensor '%s' for this config", name);
    }
    return new CausalLm(config, device, streamed(ordered));
  }

  // A NaN or infinite weight turns every output into NaN (empty generations, NaN losses) far from
  // the file that caused it: refuse it at load, naming the tensor.
  private static void checkFinite(String name, FloatBuffer data) {
    for (int i = 0; i < data.limit(); i++) {
      float v = data.get(i);
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException(
            "tensor '" + name + "' holds a non-finite value (" + v + ") at index " + i);
      }
    }
  }

  /**
   * A freshly initialised model, GPT-2 style: N(0, 0.02) matrices, unit norms, zero biases.
   * Deterministic in {@code seed}.
   */
  public static CausalLm random(ModelConfig config, long seed, Device device) {
    Random random = new Random(seed);
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    ParameterLayout.of(config)
        .forEach(
            (name, shape) ->
                tensors.put(name, new Initialised(name, shape, random, normOffsets(config))));
    return new CausalLm(config, device, streamed(tensors));
  }

  // A tensor drawn when filled, from the stream shared by the whole model: loading fills tensors
  // once each in layout order, so the values are those of drawing them in that order, and no
  // model-sized array is ever on the heap.
  // Norm weights are 1, stored as 0 where the family stores offsets from 1 (Gemma).
  private record Initialised(String name, long[] shape, Random random, boolean offsetNorms)
      implements TensorData {
    @Override
    public void fill(FloatBuffer out) {
      long n = size();
      for (long i = 0; i < n; i++) {
        if (name.endsWith("norm.weight")) {
          out.put(offsetNorms ? 0f : 1f);
        } else if (name.endsWith(".bias")) {
          out.put(0f);
        } else {
          out.put((float) (random.nextGaussian() * 0.02));
        }
      }
    }
  }

  /**
   * This trunk with a fresh scalar head, weights ~ N(0, 1/(d+1)) as in Stiennon et al. so the
   * initial rewards have unit-order variance, bias 0. Used to turn an SFT model into a reward
   * model. Returns a new model; this one is unchanged.
   */
  public CausalLm withScalarHead(long seed, Device device) {
    Random random = new Random(seed);
    int d = config.hiddenSize();
    float[] w = new float[d];
    double std = 1 / Math.sqrt(d + 1);
    for (int i = 0; i < d; i++) {
      w[i] = (float) (random.nextGaussian() * std);
    }
    Map<String, Tensor> head = new LinkedHashMap<>();
    head.put("score.weight", new Tensor(new long[] {1, d}, w));
    head.put("score.bias", new Tensor(new long[] {1}, new float[1]));
    Map<String, NDArray> trunk = arrays();
    trunk.keySet().removeIf(name -> name.startsWith("score."));
    Arrays0 both =
        manager -> {
          Map<String, NDArray> out = duplicated(trunk).make(manager);
          out.putAll(streamed(head).make(manager));
          return out;
        };
    return rebuild(both, device);
  }

  // Every own parameter's array, in layout order.
  private Map<String, NDArray> arrays() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    params.forEach((name, p) -> out.put(name, p.getArray()));
    return out;
  }

  /**
   * A deep copy on {@code device} that shares no memory with this model; a LoRA view's copy is
   * another view of the same base with a copy of the adapter (and head).
   */
  public CausalLm copy(Device device) {
    return rebuild(duplicated(arrays()), device);
  }

  private CausalLm rebuild(Arrays0 tensors, Device device) {
    GradMode.offOnThisThread();
    if (base == null) {
      return new CausalLm(config, device, tensors);
    }
    checkArgument(
        device.equals(base.manager.getDevice()), "a LoRA view lives on its base's device");
    return new CausalLm(base, lora, List.copyOf(adapted.values()), tensors);
  }

  /**
   * A LoRA view of this model: this model's weights, shared and left frozen, plus a fresh adapter
   * (B = 0, so the view computes what this model computes until it trains). Only the adapter is
   * trainable, saved and restored; close the view before its base.
   */
  public CausalLm withLora(LoraConfig config) {
    checkArgument(base == null, "this model is already a LoRA view");
    checkArgument(!hasScalarHead(), "adapt the trunk; give the view its own head");
    List<LoraLayout.Module> modules = LoraLayout.targeted(this.config, config.targetModules());
    setTrainable(false); // the base is frozen: no gradient flows into it
    return new CausalLm(this, config, modules, streamed(Lora.init(modules, config)));
  }

  /**
   * A LoRA view of this model with the given adapter weights (from {@link #toTensors()} of a view,
   * or read from a PEFT adapter folder), e.g. to restore a saved adapter.
   */
  public CausalLm withLora(LoraConfig config, Map<String, Tensor> adapter) {
    CausalLm view = withLora(config);
    Map<String, Tensor> own = new LinkedHashMap<>(adapter);
    if (own.containsKey("score.weight")) {
      view.close();
      view =
          new CausalLm(
              this,
              config,
              LoraLayout.targeted(this.config, config.targetModules()),
              streamed(own));
    } else {
      view.loadTensors(own);
    }
    return view;
  }

  /** Whether this model is a LoRA view of another. */
  public boolean isAdapter() {
    return base != null;
  }

  /** The frozen model a LoRA view adapts (the view with its adapter switched off). */
  public CausalLm base() {
    checkArgument(base != null, "this model is not a LoRA view");
    return base;
  }

  /** A LoRA view's configuration. */
  public LoraConfig lora() {
    checkArgument(base != null, "this model is not a LoRA view");
    return lora;
  }

  /** The projections a LoRA view adapts. */
  public List<LoraLayout.Module> adaptedModules() {
    return List.copyOf(adapted.values());
  }

  /**
   * Folds this view's update into its base in place, W ← W + s·B·A, and zeroes B: afterwards the
   * base alone computes what the view computed, and the view adds nothing to it (as PEFT's
   * merge_and_unload does). After SFT with LoRA, this makes the base the SFT model, which every
   * later role then shares.
   *
   * @return the base, now merged
   */
  public CausalLm mergeAdapter() {
    CausalLm b = base();
    GradMode.offOnThisThread();
    try (NDManager scope = manager.newSubManager()) {
      for (LoraLayout.Module m : adapted.values()) {
        NDArray delta =
            Scopes.into(array(Lora.b(m.name())).matMul(array(Lora.a(m.name()))), scope)
                .mul((float) lora.scaling());
        long row = 0;
        for (String covered : m.covers()) {
          NDArray w = b.array(covered);
          long rows = w.getShape().get(0);
          w.addi(delta.get(new ai.djl.ndarray.index.NDIndex(row + ":" + (row + rows))));
          row += rows;
        }
        NDArray bMatrix = array(Lora.b(m.name()));
        bMatrix.subi(bMatrix);
      }
    }
    return b;
  }

  /**
   * The full weights this model computes with, as canonical tensors: a LoRA view's base weights
   * with its update merged in (W + s·B·A) and its head; a plain model's own weights.
   */
  public Map<String, Tensor> mergedTensors() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, TensorData> e : mergedWeights().entrySet()) {
        out.put(e.getKey(), e.getValue().materialize());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The configuration. */
  public ModelConfig config() {
    return config;
  }

  /** The manager that owns the parameters. */
  public NDManager manager() {
    return manager;
  }

  /** Whether this model has a scalar head. */
  public boolean hasScalarHead() {
    return params.containsKey("score.weight");
  }

  /** Parameters by canonical name, in layout order. */
  public Map<String, Parameter> parameters() {
    return java.util.Collections.unmodifiableMap(params);
  }

  /** Turns gradient tracking of every parameter on or off. */
  public void setTrainable(boolean trainable) {
    for (Parameter p : params.values()) {
      p.getArray().setRequiresGradient(trainable);
    }
  }

  /**
   * Every parameter as canonical tensors read from the model when filled, one at a time: for saving
   * without a heap copy of the whole model.
   */
  public Map<String, TensorData> weights() {
    Map<String, TensorData> out = new LinkedHashMap<>();
    params.forEach((name, p) -> out.put(name, new Live(p.getArray())));
    return out;
  }

  /**
   * The weights this model computes with, read lazily like {@link #weights()}: a LoRA view's base
   * weights with the view's update merged in (W + s·B·A) and its head; a plain model's own.
   */
  public Map<String, TensorData> mergedWeights() {
    if (base == null) {
      return weights();
    }
    Map<String, TensorData> merged = new LinkedHashMap<>(base.weights());
    for (LoraLayout.Module m : adapted.values()) {
      float[] delta =
          Lora.delta(
              new Live(array(Lora.a(m.name()))).tensor(),
              new Live(array(Lora.b(m.name()))).tensor(),
              lora.scaling());
      int offset = 0;
      for (String covered : m.covers()) {
        TensorData w = merged.get(covered);
        int n = Math.toIntExact(w.size());
        merged.put(
            covered, Tensors.plus(w, java.util.Arrays.copyOfRange(delta, offset, offset + n)));
        offset += n;
      }
    }
    weights()
        .forEach(
            (name, t) -> {
              if (name.startsWith("score.")) {
                merged.put(name, t);
              }
            });
    return merged;
  }

  /** A parameter's values, copied to the host when filled. */
  private record Live(NDArray array) implements TensorData {
    @Override
    public long[] shape() {
      return array.getShape().getShape();
    }

    @Override
    public void fill(FloatBuffer out) {
      out.put(array.toFloatArray());
    }

    Tensor tensor() {
      return new Tensor(shape(), array.toFloatArray());
    }
  }

  /** Copies every parameter to the Java heap as canonical tensors. */
  public Map<String, Tensor> toTensors() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      NDArray a = e.getValue().getArray();
      out.put(e.getKey(), new Tensor(a.getShape().getShape(), a.toFloatArray()));
    }
    return out;
  }

  /**
   * Overwrites parameter values in place from canonical tensors (a checkpoint of this same
   * architecture); the arrays, and so any optimizer holding them, stay the same objects.
   */
  public void loadTensors(Map<String, Tensor> tensors) {
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      Tensor t = tensors.get(e.getKey());
      NDArray target = e.getValue().getArray();
      checkArgument(t != null, "tensor '%s' is missing", e.getKey());
      checkArgument(
          Arrays.equals(t.shape(), target.getShape().getShape()),
          "tensor '%s' has shape %s, the model %s",
          e.getKey(),
          t.shapeString(),
          target.getShape());
      try (NDManager scope = manager.newSubManager()) {
        target.set(
            new ai.djl.ndarray.index.NDIndex("..."), scope.create(t.data(), target.getShape()));
      }
    }
  }

  /** The number of scalar parameters. */
  public long parameterCount() {
    return params.values().stream().mapToLong(p -> p.getArray().size()).sum();
  }

  private NDArray array(String name) {
    Parameter p = params.get(name);
    if (p == null) {
      return base == null ? null : base.array(name);
    }
    return p.getArray();
  }

  // ---------------------------------------------------------------------------------------------
  // Forward pass

  /**
   * Runs the trunk.
   *
   * @param tokens token ids [B, T] (int64), in the caller's step manager
   * @param valid 1 for a real token, 0 for padding [B, T] (float32); padding is never attended to
   *     and does not advance positions, so left-padded prompts behave as if alone
   * @param cache keys and values of earlier positions, updated in place; null to run without
   * @return final hidden states [B, T, D], after the last norm
   */
  public NDArray hidden(NDArray tokens, NDArray valid, KvCache cache) {
    return hidden(tokens, valid, cache, false);
  }

  /**
   * As {@link #hidden(NDArray, NDArray, KvCache)}, with a LoRA view's adapter dropout applied when
   * {@code adapterDropout} is true (SFT and reward training; PPO and inference never drop).
   */
  public NDArray hidden(NDArray tokens, NDArray valid, KvCache cache, boolean adapterDropout) {
    NDManager step = tokens.getManager();
    Inputs in = inputs(tokens, valid, cache, adapterDropout);
    NDArray x = embedInputs(tokens, in.positions());
    for (DecoderLayer layer : layers) {
      // Each layer's temporaries die with its scope, so a pass without gradients holds one layer's
      // activations, not all of them; with gradients, autograd keeps its own references to what
      // backward needs, so closing the handles is safe.
      try (NDManager layerScope = step.newSubManager()) {
        x = layer.forward(Scopes.into(x, layerScope), in.pass());
        x = Scopes.into(x, step);
      }
    }
    if (cache != null) {
      cache.advance(tokens.getShape().get(1));
    }
    return finalNorm(x, in.pass());
  }

  /**
   * Backward of {@code loss(hidden(tokens, valid, null))} keeping only each layer's input, not its
   * activations (gradient checkpointing, as transformers' {@code gradient_checkpointing_enable()}):
   * the forward pass runs without a graph, then the backward pass recomputes one layer at a time,
   * last first, and sends the gradient of its output back through it. Parameter gradients
   * accumulate exactly as from one backward pass of the whole model; activation memory drops from
   * every layer's to one layer's plus an input [B, T, D] per layer, for about a third more compute.
   * No adapter dropout (its masks would be drawn anew when a layer is recomputed).
   *
   * @param loss the scalar loss of the final hidden states, built with gradients
   * @param collector the open gradient collector the backward passes run in
   * @return the loss's value; a non-finite one gets no backward pass
   */
  public float backwardRecomputing(
      NDArray tokens, NDArray valid, Function<NDArray, NDArray> loss, GradientCollector collector) {
    NDManager step = tokens.getManager();
    Inputs in = inputs(tokens, valid, null, false);
    List<NDArray> layerInputs = new ArrayList<>(layers.size());
    NDArray x;
    try (GradMode.Paused paused = GradMode.pause()) {
      x = embedInputs(tokens, in.positions());
      for (DecoderLayer layer : layers) {
        layerInputs.add(x);
        // The layer reads a second handle on x (a view), so its temporaries die with its scope
        // while x itself stays, kept for the backward pass.
        try (NDManager layerScope = step.newSubManager()) {
          NDArray view = Scopes.into(x.reshape(x.getShape()), layerScope);
          x = Scopes.into(layer.forward(view, in.pass()), step);
        }
      }
    }
    // The top: final norm and loss, from the last layer's output as a leaf.
    x.setRequiresGradient(true);
    NDArray top = loss.apply(finalNorm(x, in.pass()));
    float value = top.getFloat();
    if (!Float.isFinite(value)) {
      return value; // gradients of a non-finite loss are useless: the caller stops on the value
    }
    collector.backward(top);
    NDArray grad = Scopes.into(x.getGradient(), step);
    for (int i = layers.size() - 1; i >= 0; i--) {
      NDArray input = layerInputs.get(i);
      input.setRequiresGradient(true);
      try (NDManager layerScope = step.newSubManager()) {
        NDArray out = layers.get(i).forward(Scopes.into(input, layerScope), in.pass());
        // d(Σ out ⊙ g)/dθ = Jᵀg: the layer's share of the gradient, g held constant.
        collector.backward(out.mul(grad).sum());
        input = Scopes.into(input, step);
      }
      grad = Scopes.into(input.getGradient(), step);
    }
    NDArray embedded = embedInputs(tokens, in.positions());
    collector.backward(embedded.mul(grad).sum());
    return value;
  }

  // What every layer of a pass shares, and the positions it embeds.
  private record Inputs(ForwardPass pass, NDArray positions) {}

  private Inputs inputs(NDArray tokens, NDArray valid, KvCache cache, boolean adapterDropout) {
    NDManager step = tokens.getManager();
    long t = tokens.getShape().get(1);
    long past = cache == null ? 0 : cache.length();
    NDArray keyValid = valid;
    NDArray seenBefore = step.zeros(new Shape(tokens.getShape().get(0), 1));
    if (cache != null) {
      if (past > 0) {
        seenBefore = cache.validUpTo(past, step).sum(new int[] {1}, true);
      }
      cache.appendValid(valid);
      keyValid = cache.validUpTo(past + t, step);
    }
    // Positions past the context would have no embedding (GPT-2) or an untrained rotation: refuse
    // them by shape (no device round trip), since a sequence's positions are below past + t.
    checkArgument(
        past + t <= config.maxPositions(),
        "a sequence of %s tokens exceeds the model's context of %s positions",
        past + t,
        config.maxPositions());
    // A token's position counts the real tokens before it, so left padding does not shift it. A
    // padding slot before the first real token gets -1; clipping to 0 keeps its (masked) lookup
    // in range.
    NDArray positions =
        valid
            .cumSum(1)
            .add(seenBefore)
            .sub(1)
            .clip(0, Integer.MAX_VALUE)
            .toType(DataType.INT64, false);
    // Gemma windows only its local layers; Mistral every layer.
    int window = config.slidingWindow();
    boolean anyFull = window == 0 || !config.globalLayers().isEmpty();
    NDArray bias = anyFull ? attentionBias(step, keyValid, past, t, 0) : null;
    NDArray windowedBias = window > 0 ? attentionBias(step, keyValid, past, t, window) : null;
    ForwardPass pass =
        new ForwardPass(
            constant(step, config.normEps()),
            (float) config.normEps(),
            constant(step, config.attentionScale()),
            rope == null ? null : rope.angles(positions),
            localRope == null ? null : localRope.angles(positions),
            bias,
            windowedBias,
            cache,
            adapterDropout);
    return new Inputs(pass, positions);
  }

  // A 0-d constant in the step's manager, in the weights' type.
  private NDArray constant(NDManager step, double value) {
    return step.full(new Shape(), (float) value, array("embed.weight").getDataType());
  }

  // The token embeddings entering the first layer: Gemma's scaled by √d, GPT-2's plus learned
  // position embeddings (RoPE families rotate inside attention instead).
  private NDArray embedInputs(NDArray tokens, NDArray positions) {
    NDArray x = embed(tokens, array("embed.weight"));
    if (normOffsets(config)) {
      x = x.mul(Scalars.of(x, (float) Math.sqrt(config.hiddenSize())));
    }
    if (rope == null) {
      x = x.add(embed(positions, array("pos_embed.weight")));
    }
    return x;
  }

  private NDArray finalNorm(NDArray x, ForwardPass pass) {
    return normOffsets(config)
        ? Norm.offset(x, array("norm.weight"), pass.eps())
        : Norm.apply(x, array("norm.weight"), array("norm.bias"), pass.eps(), pass.normEps());
  }

  private static boolean normOffsets(ModelConfig c) {
    return c.family() == ModelConfig.Family.GEMMA;
  }

  /** Next-token logits [B, T, V] from hidden states. */
  public NDArray logits(NDArray hidden) {
    NDArray head = config.tieEmbeddings() ? array("embed.weight") : array("lm_head.weight");
    NDArray logits = Projector.linear(hidden, head, null);
    if (config.finalSoftcap() > 0) { // Gemma 2: cap·tanh(logit/cap)
      NDArray cap = Scalars.of(logits, config.finalSoftcap());
      logits = logits.div(cap).tanh().mul(cap);
    }
    return logits;
  }

  /**
   * The scalar head read at one position per row: r = w·h[b, index[b]] + b0.
   *
   * @param hidden [B, T, D]
   * @param index the position to read in each row [B] (int64), e.g. the last response token
   * @return [B]
   */
  public NDArray score(NDArray hidden, NDArray index) {
    checkArgument(hasScalarHead(), "this model has no scalar head");
    long b = hidden.getShape().get(0);
    NDArray picked = SequenceBatch.gatherPositions(hidden, index.reshape(b, 1)).reshape(b, -1);
    return Projector.linear(picked, array("score.weight"), array("score.bias")).reshape(b);
  }

  /**
   * The scalar head at every position, [B, T]: per-token values V(s_t) of a value model.
   *
   * @param hidden [B, T, D]
   */
  public NDArray scoreAll(NDArray hidden) {
    checkArgument(hasScalarHead(), "this model has no scalar head");
    return Projector.linear(hidden, array("score.weight"), array("score.bias")).squeeze(-1);
  }

  // Row lookup; the result lives with the indices (the caller's step), not with the table.
  private static NDArray embed(NDArray indices, NDArray table) {
    return indices
        .getNDArrayInternal()
        .embedding(indices, table, ai.djl.ndarray.types.SparseFormat.DENSE)
        .singletonOrThrow();
  }

  // Bias [B, 1, 1, T, S]: 0 where query slot past+i may see key slot j (j ≤ past+i and j real;
  // with a sliding window w also j > past+i − w, transformers' sliding-window mask). Slots stand
  // for positions: padding is only ever before a row's first token or after its last.
  private static NDArray attentionBias(
      NDManager step, NDArray keyValid, long past, long t, int window) {
    long b = keyValid.getShape().get(0);
    long s = keyValid.getShape().get(1);
    NDArray keySlot = step.arange(0L, s, 1L, DataType.INT64).reshape(1, 1, s);
    NDArray querySlot = step.arange(past, past + t, 1L, DataType.INT64).reshape(1, t, 1);
    NDArray seen = keySlot.lte(querySlot);
    if (window > 0) {
      seen = seen.logicalAnd(keySlot.gt(querySlot.sub(window)));
    }
    NDArray allowed = seen.logicalAnd(keyValid.reshape(b, 1, s).toType(DataType.BOOLEAN, false));
    return allowed.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED).reshape(b, 1, 1, t, s);
  }

  // ---------------------------------------------------------------------------------------------
  // DJL Block plumbing: tokens [B, T] in, logits [B, T, V] out.

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray tokens = inputs.head();
    NDArray valid = tokens.onesLike().toType(DataType.FLOAT32, false);
    return new NDList(logits(hidden(tokens, valid, null)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {new Shape(in.get(0), in.get(1), config.vocabSize())};
  }

  @Override
  public void close() {
    manager.close();
  }
}
