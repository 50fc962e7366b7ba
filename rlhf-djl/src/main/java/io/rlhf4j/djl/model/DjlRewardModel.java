package io.rlhf4j.djl.model;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.Policy;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.Examples;
import java.util.List;

/**
 * A {@link CausalLm} with a scalar head as a {@link RewardModel}: r(x, y) is the head read at the
 * last token of y: EOS for a finished response, the last word's token for one cut off at the length
 * cap (see {@link io.rlhf4j.train.Examples}). Scored in batches of {@code batchSize}.
 */
public final class DjlRewardModel implements RewardModel {
  private final CausalLm model;
  private final int batchSize;

  /** Wraps a model that has a scalar head. */
  public DjlRewardModel(CausalLm model, int batchSize) {
    checkArgument(model.hasScalarHead(), "a reward model needs a scalar head");
    checkArgument(batchSize >= 1, "batchSize must be >= 1");
    this.model = model;
    this.batchSize = batchSize;
  }

  /** The network. */
  public CausalLm model() {
    return model;
  }

  /** Pairs scored per forward pass. */
  public int batchSize() {
    return batchSize;
  }

  @Override
  public double[] score(List<int[]> prompts, List<int[]> responses) {
    checkArgument(prompts.size() == responses.size(), "prompts and responses differ in count");
    GradMode.offOnThisThread();
    double[] out = new double[prompts.size()];
    for (int from = 0; from < out.length; from += batchSize) {
      int to = Math.min(out.length, from + batchSize);
      try (NDManager scope = model.manager().newSubManager()) {
        float[] scores =
            scores(scope, prompts.subList(from, to), responses.subList(from, to)).toFloatArray();
        for (int i = from; i < to; i++) {
          out[i] = scores[i - from];
        }
      }
    }
    return out;
  }

  /** r for each pair, [B], as an array of {@code scope} (differentiable when training). */
  public NDArray scores(NDManager scope, List<int[]> prompts, List<int[]> responses) {
    return scores(scope, prompts, responses, false);
  }

  /**
   * As {@link #scores(NDManager, List, List)}; {@code training} applies a LoRA view's adapter
   * dropout (reward-model training).
   */
  public NDArray scores(
      NDManager scope, List<int[]> prompts, List<int[]> responses, boolean training) {
    SequenceBatch batch = SequenceBatch.of(scope, prompts, responses);
    return model.score(
        model.hidden(batch.tokens(), batch.valid(), null, training), batch.lastToken());
  }

  /**
   * Shifts the head's bias so that the given reference responses score mean 0 (InstructGPT
   * normalised its reward model so demonstrations average 0, which keeps PPO's reward centred).
   *
   * @return the mean score before the shift
   */
  public double normalize(List<int[]> prompts, List<int[]> responses) {
    double[] scores = score(prompts, responses);
    double mean = java.util.Arrays.stream(scores).average().orElse(0);
    NDArray bias = model.parameters().get("score.bias").getArray();
    GradMode.offOnThisThread();
    bias.subi((float) mean);
    return mean;
  }

  /**
   * {@link #normalize} on fresh samples of {@code reference} (the SFT model) for {@code prompts},
   * each read as PPO reads a sample ({@link Examples#forScoring}).
   *
   * @return the mean score before the shift
   */
  public double normalizeOn(Policy reference, List<int[]> prompts, SamplingConfig sampling) {
    List<Generation> samples = reference.generate(prompts, sampling);
    return normalize(prompts, Examples.forScoring(reference.tokenizer(), samples));
  }
}
