package io.rlhf4j.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.rlhf4j.djl.internal.engine.Scalars;
import io.rlhf4j.model.SamplingConfig;

/**
 * Picks each row's next token on the device, so that only the chosen ids and their
 * log-probabilities cross to the host each step, not a [batch, vocab] row of logits: temperature,
 * then top-k, then top-p (nucleus), then inverse-CDF sampling with one uniform draw per row (DJL's
 * PyTorch engine has no multinomial). The cumulative sums run in double precision, as the host
 * reference the tests compare against does. The reported log-probability is that of the full
 * temperature-scaled distribution, the quantity PPO's ratio and KL use.
 */
final class TokenSampler {
  private final SamplingConfig config;

  TokenSampler(SamplingConfig config) {
    this.config = config;
  }

  /**
   * One step's choices.
   *
   * @param tokens the chosen id of each row
   * @param logProbs its log-probability under the full tempered distribution
   */
  record Choices(long[] tokens, float[] logProbs) {}

  /**
   * @param logits next-token logits [B, V]
   * @param banned tokens that may not be chosen (the stop ids before minNewTokens); may be empty
   * @param uniforms one draw in [0, 1) per row (ignored when greedy)
   */
  Choices choose(NDArray logits, int[] banned, double[] uniforms) {
    long b = logits.getShape().get(0);
    double temperature = config.greedy() ? 1.0 : config.temperature();
    NDArray z = temperature == 1.0 ? logits : logits.div(Scalars.of(logits, temperature));
    NDArray logp = z.logSoftmax(-1);
    NDArray allowed = banned.length > 0 ? z.add(banMask(z, banned)) : z;
    NDArray token = config.greedy() ? allowed.argMax(-1) : sample(allowed, uniforms);
    NDArray picked = logp.gather(token.reshape(b, 1), -1);
    return new Choices(token.toLongArray(), picked.toFloatArray());
  }

  // A banned token leaves the candidates before top-k chooses, as Hugging Face's logits processors
  // run before its warpers: top-k 1 then picks the best allowed token instead of an empty set.
  private static NDArray banMask(NDArray z, int[] banned) {
    float[] mask = new float[(int) z.getShape().get(1)];
    for (int id : banned) {
      mask[id] = Float.NEGATIVE_INFINITY;
    }
    return z.getManager().create(mask);
  }

  // Inverse CDF: the first candidate whose cumulative weight exceeds u times the total.
  private NDArray sample(NDArray z, double[] uniforms) {
    NDManager m = z.getManager();
    long b = z.getShape().get(0);
    long v = z.getShape().get(1);
    boolean topK = config.topK() > 0 && config.topK() < v;
    boolean topP = config.topP() < 1;
    // Only truncation needs the tokens in order of likelihood; a sort per step would cost more
    // than the rest of the sampler at a 151k vocabulary.
    NDArray order = topK || topP ? z.argSort(-1, false) : null;
    NDArray sorted = order == null ? z : z.gather(order, -1);
    NDArray weights =
        sorted.sub(sorted.max(new int[] {-1}, true)).exp().toType(DataType.FLOAT64, false);
    if (topK) {
      NDArray rank = m.arange(0L, v, 1L, DataType.INT64);
      weights = weights.mul(rank.lt(config.topK()).toType(DataType.FLOAT64, false));
    }
    if (topP) { // the smallest prefix of the sorted tokens with mass ≥ top_p
      NDArray mass = weights.div(weights.sum(new int[] {-1}, true));
      NDArray before = mass.cumSum(-1).sub(mass);
      weights = weights.mul(before.lt(config.topP()).toType(DataType.FLOAT64, false));
    }
    NDArray cdf = weights.cumSum(-1);
    NDArray total = cdf.get(new NDIndex().addAllDim().addSliceDim(v - 1, v));
    NDArray u = m.create(uniforms, new Shape(b, 1)).mul(total);
    // u < total, so the count of cumulative weights ≤ u lands on a candidate of positive weight.
    NDArray index = cdf.lte(u).toType(DataType.INT64, false).sum(new int[] {-1});
    index = index.minimum(v - 1);
    return order == null ? index : order.gather(index.reshape(b, 1), -1).reshape(b);
  }
}
