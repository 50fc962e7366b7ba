package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import java.util.function.Function;

/**
 * The linear maps of one model: y = W x + b, plus a LoRA view's low-rank update s·B·A·x on the
 * projections it adapts. Kept apart from the layers so that a view and its base run the same layer
 * code over the same frozen arrays and differ only here.
 */
final class Projector {
  private final Map<String, LoraLayout.Module> adapted;
  private final LoraConfig lora;
  private final Function<String, NDArray> arrays;

  /**
   * @param adapted the adapted modules by name (empty for a plain model)
   * @param lora the view's configuration, null for a plain model
   * @param arrays looks up the adapter's A and B matrices by canonical name
   */
  Projector(
      Map<String, LoraLayout.Module> adapted, LoraConfig lora, Function<String, NDArray> arrays) {
    this.adapted = adapted;
    this.lora = lora;
    this.arrays = arrays;
  }

  /** W x + b, plus the update where {@code module} is adapted. */
  NDArray project(NDArray x, NDArray w, NDArray b, String module, boolean dropout) {
    NDArray y = linear(x, w, b);
    return adapts(module) ? y.add(update(x, module, dropout)) : y;
  }

  /** Whether {@code module} carries an adapter. */
  boolean adapts(String module) {
    return adapted.containsKey(module);
  }

  /** The adapter's update alone, s·B·A·dropout(x). */
  NDArray update(NDArray x, String module, boolean dropout) {
    return Lora.update(
        x,
        arrays.apply(Lora.a(module)),
        arrays.apply(Lora.b(module)),
        lora.scaling(),
        dropout ? lora.dropout() : 0);
  }

  /** x Wᵀ + b through libtorch's fused linear. */
  static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
  }
}
