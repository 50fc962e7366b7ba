package io.rlhf4j.djl.train.ppo;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The pretraining minibatches of PPO-ptx: one seeded stream per iteration, drawn from in turn by
 * every update of that iteration, so each update sees fresh pretraining text (InstructGPT mixes a
 * new pretraining batch into every gradient step) and a resumed iteration draws the same ones.
 */
final class PretrainingBatches {
  private final List<int[]> sequences;
  private final SplittableRandom random;

  /**
   * @param sequences the pretraining corpus, each at least two tokens (one to condition on)
   * @param seed this iteration's stream seed
   */
  PretrainingBatches(List<int[]> sequences, long seed) {
    checkArgument(!sequences.isEmpty(), "PPO-ptx needs pretraining sequences");
    this.sequences = sequences;
    this.random = new SplittableRandom(seed);
  }

  /** The next {@code size} sequences, drawn with replacement. */
  List<int[]> next(int size) {
    List<int[]> batch = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      batch.add(sequences.get(random.nextInt(sequences.size())));
    }
    return batch;
  }
}
