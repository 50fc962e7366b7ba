package io.rlhf4j.model;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * How to sample a response. Temperature 0 is greedy decoding; top-k, top-p and min-new-tokens
 * truncate the distribution, in Hugging Face's order (EOS banned before min-new-tokens, then top-k,
 * then top-p on what is left).
 *
 * <p>The log-probability reported with each sampled token ({@link Generation#logProbs()}) is always
 * that of the full temperature-scaled softmax, not of the truncated distribution the token was
 * drawn from: the two agree only when nothing is truncated. That is why PPO, whose ratio and KL use
 * these log-probabilities, refuses truncated sampling.
 *
 * @param maxNewTokens at most this many response tokens
 * @param minNewTokens EOS is suppressed until this many tokens exist
 * @param temperature ≥ 0; 0 means greedy
 * @param topK keep the k most likely tokens; 0 disables
 * @param topP keep the smallest set with cumulative probability ≥ p; 1 disables
 * @param seed the random seed; the same seed and inputs give the same samples
 */
public record SamplingConfig(
    int maxNewTokens, int minNewTokens, double temperature, int topK, double topP, long seed)
    implements java.io.Serializable {

  /** Validates on construction. */
  public SamplingConfig {
    checkArgument(maxNewTokens >= 1, "maxNewTokens must be >= 1: %s", maxNewTokens);
    checkArgument(
        minNewTokens >= 0 && minNewTokens <= maxNewTokens,
        "minNewTokens must be in [0, maxNewTokens]: %s",
        minNewTokens);
    checkArgument(
        temperature >= 0 && Double.isFinite(temperature),
        "temperature must be >= 0: %s",
        temperature);
    checkArgument(topK >= 0, "topK must be >= 0: %s", topK);
    checkArgument(topP > 0 && topP <= 1, "topP must be in (0, 1]: %s", topP);
  }

  /** Whether decoding is greedy (argmax). */
  public boolean greedy() {
    return temperature == 0;
  }

  /** A builder with PPO-rollout defaults: 64 tokens, temperature 0.7, no truncation, seed 0. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    return new Builder()
        .maxNewTokens(maxNewTokens)
        .minNewTokens(minNewTokens)
        .temperature(temperature)
        .topK(topK)
        .topP(topP)
        .seed(seed);
  }

  /** Builds a {@link SamplingConfig}. */
  public static final class Builder {
    private int maxNewTokens = 64;
    private int minNewTokens = 0;
    private double temperature = 0.7;
    private int topK = 0;
    private double topP = 1.0;
    private long seed = 0;

    private Builder() {}

    /** See {@link SamplingConfig#maxNewTokens()}. */
    public Builder maxNewTokens(int value) {
      this.maxNewTokens = value;
      return this;
    }

    /** See {@link SamplingConfig#minNewTokens()}. */
    public Builder minNewTokens(int value) {
      this.minNewTokens = value;
      return this;
    }

    /** See {@link SamplingConfig#temperature()}. */
    public Builder temperature(double value) {
      this.temperature = value;
      return this;
    }

    /** See {@link SamplingConfig#topK()}. */
    public Builder topK(int value) {
      this.topK = value;
      return this;
    }

    /** See {@link SamplingConfig#topP()}. */
    public Builder topP(double value) {
      this.topP = value;
      return this;
    }

    /** See {@link SamplingConfig#seed()}. */
    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    /** Validates and builds. */
    public SamplingConfig build() {
      return new SamplingConfig(maxNewTokens, minNewTokens, temperature, topK, topP, seed);
    }
  }
}
