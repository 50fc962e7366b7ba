package io.rlhf4j.djl.internal.train;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.SequenceBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One micro-batch's forward and backward pass through a model, for every trainer: either keeping
 * every layer's activations for one backward pass, or with gradient checkpointing ({@link
 * CausalLm#backwardRecomputing}). The trainers write their loss once, as a function of the final
 * hidden states, and this class picks the pass.
 */
public final class Backprop {
  private Backprop() {}

  /**
   * Refuses gradient checkpointing on a LoRA view with adapter dropout: recomputing a layer would
   * draw other dropout masks than its forward pass did.
   */
  public static void checkCheckpointing(boolean checkpointing, CausalLm model) {
    checkArgument(
        !checkpointing || !model.isAdapter() || model.lora().dropout() == 0,
        "gradient checkpointing recomputes each layer, and LoRA dropout would draw other masks"
            + " the second time: set the adapter's dropout to 0");
  }

  /**
   * What one pass computed: the caller's tensors from the final hidden states, and the loss's
   * value.
   *
   * @param parts what {@code forward} returned (for the caller's metrics)
   * @param loss the loss's value; when not finite, no backward pass ran
   */
  public record Pass<T>(T parts, float loss) {}

  /**
   * Runs {@code forward(hidden)} over {@code batch} and the backward pass of its {@code loss} into
   * {@code collector}.
   *
   * @param adapterDropout apply a LoRA view's adapter dropout (only without checkpointing, which
   *     {@link #checkCheckpointing} ensures)
   * @param checkpointing recompute each layer in the backward pass instead of keeping it
   * @param forward the caller's tensors from the final hidden states [B, T, D], built with
   *     gradients
   * @param loss picks the scalar loss out of them
   * @return the tensors and the loss's value; a non-finite loss gets no backward pass (the caller
   *     stops on it)
   */
  public static <T> Pass<T> run(
      CausalLm model,
      SequenceBatch batch,
      boolean adapterDropout,
      boolean checkpointing,
      Function<NDArray, T> forward,
      Function<T, NDArray> loss,
      GradientCollector collector) {
    if (checkpointing) {
      List<T> parts = new ArrayList<>(1); // set once, by the forward pass at the top
      float value =
          model.backwardRecomputing(
              batch.tokens(),
              batch.valid(),
              hidden -> {
                parts.add(forward.apply(hidden));
                return loss.apply(parts.get(0));
              },
              collector);
      return new Pass<>(parts.get(0), value);
    }
    T parts = forward.apply(model.hidden(batch.tokens(), batch.valid(), null, adapterDropout));
    NDArray value = loss.apply(parts);
    float v = value.getFloat();
    if (Float.isFinite(v)) {
      collector.backward(value);
    }
    return new Pass<>(parts, v);
  }
}
