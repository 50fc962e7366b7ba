package io.rlhf4j.djl.generate;

import io.rlhf4j.model.SamplingConfig;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The test oracle for {@link TokenSampler}: picks the next token from one row of logits, in double
 * precision on the host, with the same rule and the same uniform draw: temperature, then top-k,
 * then top-p (nucleus), then inverse-CDF sampling with one uniform draw (DJL's PyTorch engine has
 * no multinomial). The reported log-probability is that of the full temperature-scaled
 * distribution, the quantity PPO's ratio and KL use.
 */
final class ReferenceSampler {
  private final SamplingConfig config;

  ReferenceSampler(SamplingConfig config) {
    this.config = config;
  }

  /** The chosen token and its log-probability. */
  record Choice(int token, double logProb) {}

  /**
   * @param logits one row of next-token logits
   * @param banned a token that may not be chosen (EOS before minNewTokens), or -1
   * @param random this row's random stream
   */
  Choice choose(float[] logits, int offset, int vocab, int banned, SplittableRandom random) {
    double temperature = config.greedy() ? 1.0 : config.temperature();
    double[] z = new double[vocab];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      z[i] = logits[offset + i] / temperature;
      max = Math.max(max, z[i]);
    }
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      sum += Math.exp(z[i] - max);
    }
    double logNormaliser = max + Math.log(sum);
    int token = config.greedy() ? argmax(z, banned) : sample(z, banned, random);
    return new Choice(token, z[token] - logNormaliser);
  }

  private static int argmax(double[] z, int banned) {
    int best = -1;
    for (int i = 0; i < z.length; i++) {
      if (i != banned && (best < 0 || z[i] > z[best])) {
        best = i;
      }
    }
    return best;
  }

  private int sample(double[] z, int banned, SplittableRandom random) {
    int vocab = z.length;
    // A banned token (EOS before min-new-tokens) leaves the candidates before top-k chooses, as
    // Hugging Face's logits processors run before its warpers: top-k 1 then picks the best allowed
    // token instead of an empty set.
    Integer[] order = null;
    int keep = vocab;
    if (config.topK() > 0 && config.topK() < vocab || config.topP() < 1 || banned >= 0) {
      order = new Integer[vocab - (banned >= 0 ? 1 : 0)];
      for (int i = 0, r = 0; i < vocab; i++) {
        if (i != banned) {
          order[r++] = i;
        }
      }
      Arrays.sort(order, (a, b) -> Double.compare(z[b], z[a]));
      keep = order.length;
      if (config.topK() > 0) {
        keep = Math.min(keep, config.topK());
      }
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int r = 0; r < keep; r++) {
      max = Math.max(max, z[order == null ? r : order[r]]);
    }
    double[] p = new double[keep];
    double total = 0;
    for (int r = 0; r < keep; r++) {
      p[r] = Math.exp(z[order == null ? r : order[r]] - max);
      total += p[r];
    }
    if (config.topP() < 1) { // smallest prefix of the sorted tokens with mass ≥ top_p
      double mass = 0;
      int cut = keep;
      for (int r = 0; r < keep; r++) {
        mass += p[r] / total;
        if (mass >= config.topP()) {
          cut = r + 1;
          break;
        }
      }
      keep = cut;
      total = 0;
      for (int r = 0; r < keep; r++) {
        total += p[r];
      }
    }
    double u = random.nextDouble() * total;
    double cumulative = 0;
    int last = -1;
    for (int r = 0; r < keep; r++) {
      if (p[r] == 0) {
        continue;
      }
      last = order == null ? r : order[r];
      cumulative += p[r];
      if (u < cumulative) {
        return last;
      }
    }
    return last; // rounding left u at the very top
  }
}
