package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Which examples are held out for evaluation, decided once and for all by a seeded hash of their
 * prompt: the same ranking lands on the same side in every round of an iterated run and in every
 * rerun, so nothing a model trained on is ever evaluated as held out, and all examples of one
 * prompt share a side (InstructGPT split by user for the same reason: no prompt on both sides).
 * About {@code fraction} of the distinct prompts are held out; with few prompts it can be none.
 *
 * @param fraction the share of prompts held out, in [0, 1)
 * @param seed which prompts they are
 */
public record HeldOutSplit(double fraction, long seed) {
  /** Validates on construction. */
  public HeldOutSplit {
    checkArgument(fraction >= 0 && fraction < 1, "fraction must be in [0, 1): %s", fraction);
  }

  /** Whether examples of {@code prompt} are held out. */
  public boolean isHeldOut(String prompt) {
    long h =
        Hashing.murmur3_128()
            .newHasher()
            .putLong(seed)
            .putString(prompt, StandardCharsets.UTF_8)
            .hash()
            .asLong();
    return (h >>> 11) * 0x1.0p-53 < fraction; // a uniform draw in [0, 1) from the hash
  }

  /** {@code items} in order, split by the held-out rule applied to each one's prompt. */
  public <T> Parts<T> split(List<T> items, Function<T, String> prompt) {
    List<T> train = new ArrayList<>();
    List<T> heldOut = new ArrayList<>();
    for (T item : items) {
      (isHeldOut(prompt.apply(item)) ? heldOut : train).add(item);
    }
    return new Parts<>(List.copyOf(train), List.copyOf(heldOut));
  }

  /**
   * The two sides of a split.
   *
   * @param train examples to train on
   * @param heldOut examples to evaluate on
   * @param <T> the example type
   */
  public record Parts<T>(List<T> train, List<T> heldOut) {}
}
