package io.rlhf4j.djl.internal.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.internal.engine.HostArrays;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.SequenceBatch;
import java.util.List;

/**
 * Each response's log-probability given its prompt under a model, without gradients: what the
 * offline preference trainers (DPO family, KTO) read of their frozen reference, and of the policy
 * for evaluation and KTO's reference point.
 */
public final class ResponseLogProbs {
  /** Rows per no-grad pass: enough to keep the engine busy, few enough to bound memory. */
  private static final int ROWS = 32;

  private ResponseLogProbs() {}

  /**
   * log π(response | prompt) per row, summed over the response's tokens, or their per-token mean
   * when {@code perTokenMean} (IPO, SimPO, ORPO read means).
   */
  public static double[] of(
      CausalLm model, List<int[]> prompts, List<int[]> responses, boolean perTokenMean) {
    return of(model, prompts, responses, null, perTokenMean);
  }

  /**
   * As {@link #of(CausalLm, List, List, boolean)}, over each response's trained tokens only ({@code
   * trained}: per response, 1 on the policy's tokens of an episode; null or a null entry for every
   * token).
   */
  public static double[] of(
      CausalLm model,
      List<int[]> prompts,
      List<int[]> responses,
      List<double[]> trained,
      boolean perTokenMean) {
    GradMode.offOnThisThread();
    double[] out = new double[responses.size()];
    for (int from = 0; from < out.length; from += ROWS) {
      int to = Math.min(out.length, from + ROWS);
      try (NDManager scope = model.manager().newSubManager()) {
        SequenceBatch batch =
            SequenceBatch.of(scope, prompts.subList(from, to), responses.subList(from, to));
        NDArray mask = batch.responseMask();
        NDArray tokens =
            batch.responseLogProbs(model, model.hidden(batch.tokens(), batch.valid(), null), 1.0);
        if (trained != null) {
          mask = mask.mul(trainedMask(scope, trained.subList(from, to), mask));
          tokens = tokens.mul(mask);
        }
        NDArray sums = tokens.sum(new int[] {1});
        if (perTokenMean) {
          sums = sums.div(mask.sum(new int[] {1}));
        }
        float[] values = sums.toFloatArray();
        for (int i = from; i < to; i++) {
          out[i] = values[i - from];
        }
      }
    }
    return out;
  }

  /**
   * [B, R] of each row's trained flags (1 for a null row), 0 beyond its length, shaped like {@code
   * like}: the mask that keeps an episode's environment tokens out of a sum.
   */
  public static NDArray trainedMask(NDManager scope, List<double[]> trained, NDArray like) {
    int rows = (int) like.getShape().get(0);
    int width = (int) like.getShape().get(1);
    double[][] flags = new double[rows][width];
    for (int b = 0; b < rows; b++) {
      double[] t = trained.get(b);
      for (int j = 0; j < width; j++) {
        flags[b][j] = t == null ? 1 : j < t.length ? t[j] : 0;
      }
    }
    return HostArrays.tensor(scope, flags);
  }
}
