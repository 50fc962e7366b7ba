package io.rlhf4j.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.GradMode;
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
    GradMode.offOnThisThread();
    double[] out = new double[responses.size()];
    for (int from = 0; from < out.length; from += ROWS) {
      int to = Math.min(out.length, from + ROWS);
      try (NDManager scope = model.manager().newSubManager()) {
        SequenceBatch batch =
            SequenceBatch.of(scope, prompts.subList(from, to), responses.subList(from, to));
        NDArray sums =
            batch
                .responseLogProbs(model, model.hidden(batch.tokens(), batch.valid(), null), 1.0)
                .sum(new int[] {1});
        if (perTokenMean) {
          sums = sums.div(batch.responseMask().sum(new int[] {1}));
        }
        float[] values = sums.toFloatArray();
        for (int i = from; i < to; i++) {
          out[i] = values[i - from];
        }
      }
    }
    return out;
  }
}
