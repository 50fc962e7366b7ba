package io.rlhf4j.djl.model;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.rlhf4j.djl.internal.engine.Scalars;
import io.rlhf4j.djl.internal.engine.Scopes;
import java.util.List;

/**
 * (prompt, response) pairs packed for one teacher-forced forward pass: each row is prompt then
 * response, right-padded to the longest row. Right padding needs no position shift, since padding
 * sits after every real token and causal attention never looks forward.
 *
 * @param tokens [B, S] int64
 * @param valid [B, S] float, 1 for real tokens
 * @param targets [B, R] int64: response token k of row b, 0 past the response
 * @param predictFrom [B, R] int64: the position whose logits predict that token, p_b + k − 1
 * @param responseMask [B, R] float, 1 for real response tokens
 * @param lastToken [B] int64: the position of each row's last real token
 */
public record SequenceBatch(
    NDArray tokens,
    NDArray valid,
    NDArray targets,
    NDArray predictFrom,
    NDArray responseMask,
    NDArray lastToken) {

  /** Packs the pairs into arrays of {@code manager}. Each prompt needs at least one token. */
  public static SequenceBatch of(NDManager manager, List<int[]> prompts, List<int[]> responses) {
    checkArgument(prompts.size() == responses.size(), "prompts and responses differ in count");
    checkArgument(!prompts.isEmpty(), "empty batch");
    int b = prompts.size();
    int s = 0;
    int r = 1;
    for (int i = 0; i < b; i++) {
      checkArgument(prompts.get(i).length > 0, "prompt %s is empty (add BOS)", i);
      s = Math.max(s, prompts.get(i).length + responses.get(i).length);
      r = Math.max(r, responses.get(i).length);
    }
    long[] tokens = new long[b * s];
    float[] valid = new float[b * s];
    long[] targets = new long[b * r];
    long[] predictFrom = new long[b * r];
    float[] mask = new float[b * r];
    long[] last = new long[b];
    for (int i = 0; i < b; i++) {
      int[] p = prompts.get(i);
      int[] y = responses.get(i);
      for (int j = 0; j < p.length; j++) {
        tokens[i * s + j] = p[j];
        valid[i * s + j] = 1;
      }
      for (int k = 0; k < y.length; k++) {
        tokens[i * s + p.length + k] = y[k];
        valid[i * s + p.length + k] = 1;
        targets[i * r + k] = y[k];
        predictFrom[i * r + k] = p.length + k - 1;
        mask[i * r + k] = 1;
      }
      last[i] = p.length + y.length - 1;
    }
    return new SequenceBatch(
        manager.create(tokens, new Shape(b, s)),
        manager.create(valid, new Shape(b, s)),
        manager.create(targets, new Shape(b, r)),
        manager.create(predictFrom, new Shape(b, r)),
        manager.create(mask, new Shape(b, r)),
        manager.create(last, new Shape(b)));
  }

  /**
   * Rows of next-token logits computed at once when reading log-probabilities: bounds each [rows,
   * V] temporary to 64M floats (256 MB) whatever the vocabulary, so a 151k vocabulary costs no more
   * than a small one. Not smaller: each chunk's backward writes a whole [V, D] gradient of the LM
   * head and adds it to the others, so 16M-value chunks cost GPT-2 124M 0.27 s and 180K page faults
   * more per 4 × 256-token step (TrainStepBenchmark) for the same peak memory.
   */
  static final long CHUNK_ELEMENTS = 1L << 26;

  /**
   * log softmax(logits / temperature) at each response token, [B, R] (0 where masked). Logits are
   * computed only at the positions that predict a response token, a chunk of rows at a time; the
   * [B, S, V] tensor never exists.
   *
   * @param model the model whose head turns hidden states into logits
   * @param hidden [B, S, D] from {@code model}'s trunk over {@link #tokens()}
   */
  public NDArray responseLogProbs(CausalLm model, NDArray hidden, double temperature) {
    return tokenStatistics(model, hidden, temperature, false, false).logProbs();
  }

  /**
   * As {@link #responseLogProbs}, with the entropy of each tempered next-token distribution beside
   * it: a diagnostic through which no gradient flows, unless {@code entropyGradient} (an entropy
   * bonus in the loss).
   */
  public TokenStatistics responseLogProbsAndEntropy(
      CausalLm model, NDArray hidden, double temperature, boolean entropyGradient) {
    return tokenStatistics(model, hidden, temperature, true, entropyGradient);
  }

  /**
   * Per response token: the chosen token's log-probability and, when asked for, the entropy of the
   * distribution it was drawn from; both [B, R], 0 where masked.
   *
   * @param logProbs log π(y_k | x, y_&lt;k) at the given temperature
   * @param entropy −Σ_v π log π, or null when not asked for
   */
  public record TokenStatistics(NDArray logProbs, NDArray entropy) {}

  private TokenStatistics tokenStatistics(
      CausalLm model,
      NDArray hidden,
      double temperature,
      boolean withEntropy,
      boolean entropyGradient) {
    NDManager scope = targets.getManager();
    long b = targets.getShape().get(0);
    long r = targets.getShape().get(1);
    long n = b * r;
    NDArray states = gatherPositions(hidden, predictFrom).reshape(n, -1);
    NDArray chosen = targets.reshape(n, 1);
    long rows = Math.max(1, CHUNK_ELEMENTS / model.config().vocabSize());
    NDList logProbs = new NDList();
    NDList entropies = new NDList();
    for (long from = 0; from < n; from += rows) {
      long to = Math.min(n, from + rows);
      // A chunk's logits die with its scope; autograd keeps its own reference to what backward
      // needs, so closing them is safe while recording too.
      try (NDManager chunk = scope.newSubManager()) {
        NDIndex slice = new NDIndex().addSliceDim(from, to);
        NDArray z = model.logits(Scopes.into(states.get(slice), chunk));
        if (temperature != 1.0) {
          z = z.div(Scalars.of(z, temperature));
        }
        NDArray logp = z.logSoftmax(-1);
        NDArray picked = logp.gather(Scopes.into(chosen.get(slice), chunk), -1).squeeze(-1);
        logProbs.add(Scopes.into(picked, scope));
        if (withEntropy) {
          NDArray fixed = entropyGradient ? logp : logp.stopGradient();
          entropies.add(Scopes.into(fixed.exp().mul(fixed).sum(new int[] {-1}).neg(), scope));
        }
      }
    }
    return new TokenStatistics(
        join(logProbs).reshape(b, r).mul(responseMask),
        withEntropy ? join(entropies).reshape(b, r).mul(responseMask) : null);
  }

  private static NDArray join(NDList parts) {
    return parts.size() == 1 ? parts.head() : NDArrays.concat(parts, 0);
  }

  /**
   * Values V(s) of the states that emit each response token, [B, R] (0 where masked), from
   * per-position values [B, S].
   */
  public NDArray responseValues(NDArray values) {
    return gatherPositions(values.expandDims(-1), predictFrom).squeeze(-1).mul(responseMask);
  }

  /** Rows of {@code x} [B, S, ...] at {@code positions} [B, R], giving [B, R, ...]. */
  public static NDArray gatherPositions(NDArray x, NDArray positions) {
    Shape shape = x.getShape();
    long b = shape.get(0);
    long s = shape.get(1);
    long rest = shape.size() / (b * s);
    long r = positions.getShape().get(1);
    NDArray rowStart =
        positions
            .getManager()
            .arange(0L, b * s, s, ai.djl.ndarray.types.DataType.INT64)
            .reshape(b, 1);
    NDArray flat = positions.add(rowStart).reshape(b * r);
    NDArray picked =
        flat.getNDArrayInternal()
            .embedding(flat, x.reshape(b * s, rest), ai.djl.ndarray.types.SparseFormat.DENSE)
            .singletonOrThrow();
    long[] out = new long[shape.dimension()];
    out[0] = b;
    out[1] = r;
    for (int i = 2; i < out.length; i++) {
      out[i] = shape.get(i);
    }
    return picked.reshape(new Shape(out));
  }
}
