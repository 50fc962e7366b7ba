package io.rlhf4j.djl.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * How a model rescales its RoPE frequencies for contexts longer than it was trained on, as Hugging
 * Face's {@code rope_scaling} (transformers 4) or {@code rope_parameters} (transformers 5) says.
 * The two types here change only the frequencies, never the attention, so they are exact at every
 * length; the others ({@code dynamic}, {@code yarn}, {@code longrope}) are refused by name when a
 * config is read.
 *
 * @param type {@code linear} or {@code llama3}
 * @param factor how much longer the context is than the original one
 * @param lowFreqFactor llama3: wavelengths beyond original / this are divided by factor
 * @param highFreqFactor llama3: wavelengths below original / this are kept
 * @param originalMaxPositions llama3: the context the model was pretrained on
 */
public record RopeScaling(
    String type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPositions)
    implements java.io.Serializable {

  /** Validates on construction. */
  public RopeScaling {
    checkNotNull(type, "type");
    checkArgument(type.equals("linear") || type.equals("llama3"), "unknown RoPE type %s", type);
    checkArgument(factor >= 1, "factor must be >= 1: %s", factor);
    if (type.equals("llama3")) {
      checkArgument(
          highFreqFactor > lowFreqFactor && lowFreqFactor > 0,
          "llama3 needs high_freq_factor > low_freq_factor > 0");
      checkArgument(originalMaxPositions > 0, "llama3 needs original_max_position_embeddings");
    }
  }

  /** Linear position interpolation: every frequency divided by {@code factor}. */
  public static RopeScaling linear(double factor) {
    return new RopeScaling("linear", factor, 0, 0, 0);
  }

  /** Llama 3.1's scaling. */
  public static RopeScaling llama3(
      double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    return new RopeScaling("llama3", factor, lowFreqFactor, highFreqFactor, originalMaxPositions);
  }

  /**
   * Rescales one inverse frequency θ_i. llama3 (transformers' {@code _compute_llama3_parameters}):
   * a wavelength 2π/θ longer than original/lowFreqFactor is divided by factor, one shorter than
   * original/highFreqFactor kept, and one between interpolated smoothly between the two.
   */
  public double apply(double inverseFrequency) {
    if (type.equals("linear")) {
      return inverseFrequency / factor;
    }
    double wavelength = 2 * Math.PI / inverseFrequency;
    double lowFreqWavelength = originalMaxPositions / lowFreqFactor;
    double highFreqWavelength = originalMaxPositions / highFreqFactor;
    if (wavelength > lowFreqWavelength) {
      return inverseFrequency / factor;
    }
    if (wavelength < highFreqWavelength) {
      return inverseFrequency;
    }
    double smooth =
        (originalMaxPositions / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * inverseFrequency / factor + smooth * inverseFrequency;
  }
}
