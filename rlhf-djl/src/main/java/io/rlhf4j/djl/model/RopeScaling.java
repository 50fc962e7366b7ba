package io.rlhf4j.djl.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;

/**
 * How a model rescales its RoPE frequencies for contexts longer than it was trained on, as Hugging
 * Face's {@code rope_scaling} (transformers 4) or {@code rope_parameters} (transformers 5) says.
 * {@code linear} and {@code llama3} change only the frequencies; {@code longrope} (Phi-3.5,
 * Phi-4-mini) divides them by per-dimension factors, short ones while a pass's positions stay
 * within the original context and long ones beyond it, and multiplies cosines and sines by an
 * attention factor. {@code dynamic} and {@code yarn} are refused by name when a config is read.
 *
 * @param type {@code linear}, {@code llama3} or {@code longrope}
 * @param factor how much longer the context is than the original one
 * @param lowFreqFactor llama3: wavelengths beyond original / this are divided by factor
 * @param highFreqFactor llama3: wavelengths below original / this are kept
 * @param originalMaxPositions llama3, longrope: the context the model was pretrained on
 * @param shortFactor longrope: one divisor per rotated frequency, within the original context
 * @param longFactor longrope: the divisors beyond it
 * @param attentionFactor longrope: cosines and sines are multiplied by this
 */
public record RopeScaling(
    String type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPositions,
    List<Double> shortFactor,
    List<Double> longFactor,
    double attentionFactor)
    implements java.io.Serializable {

  /** Validates on construction. */
  public RopeScaling {
    checkNotNull(type, "type");
    checkArgument(
        type.equals("linear") || type.equals("llama3") || type.equals("longrope"),
        "unknown RoPE type %s",
        type);
    shortFactor = List.copyOf(shortFactor);
    longFactor = List.copyOf(longFactor);
    if (type.equals("longrope")) {
      checkArgument(originalMaxPositions > 0, "longrope needs original_max_position_embeddings");
      checkArgument(
          !shortFactor.isEmpty() && shortFactor.size() == longFactor.size(),
          "longrope needs short_factor and long_factor of one length");
      checkArgument(attentionFactor > 0, "attention factor must be > 0");
      for (double f : shortFactor) {
        checkArgument(f > 0, "longrope factors must be > 0");
      }
      for (double f : longFactor) {
        checkArgument(f > 0, "longrope factors must be > 0");
      }
    } else {
      checkArgument(factor >= 1, "factor must be >= 1: %s", factor);
    }
    if (type.equals("llama3")) {
      checkArgument(
          highFreqFactor > lowFreqFactor && lowFreqFactor > 0,
          "llama3 needs high_freq_factor > low_freq_factor > 0");
      checkArgument(originalMaxPositions > 0, "llama3 needs original_max_position_embeddings");
    }
  }

  /** Linear position interpolation: every frequency divided by {@code factor}. */
  public static RopeScaling linear(double factor) {
    return new RopeScaling("linear", factor, 0, 0, 0, List.of(), List.of(), 1);
  }

  /** Llama 3.1's scaling. */
  public static RopeScaling llama3(
      double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    return new RopeScaling(
        "llama3",
        factor,
        lowFreqFactor,
        highFreqFactor,
        originalMaxPositions,
        List.of(),
        List.of(),
        1);
  }

  /**
   * Phi-3's LongRoPE. With no attention factor given, transformers' default: √(1 + ln s / ln
   * original) for s = max positions / original > 1, else 1.
   *
   * @param maxPositions the extended context ({@code max_position_embeddings})
   * @param attentionFactor the config's {@code attention_factor}, or NaN for the default
   */
  public static RopeScaling longrope(
      List<Double> shortFactor,
      List<Double> longFactor,
      int originalMaxPositions,
      int maxPositions,
      double attentionFactor) {
    double s = (double) maxPositions / originalMaxPositions;
    double af =
        !Double.isNaN(attentionFactor)
            ? attentionFactor
            : s <= 1 ? 1 : Math.sqrt(1 + Math.log(s) / Math.log(originalMaxPositions));
    return new RopeScaling("longrope", s, 0, 0, originalMaxPositions, shortFactor, longFactor, af);
  }

  /**
   * Rescales inverse frequency θ_i, the i-th of the rotated dims' frequencies. llama3
   * (transformers' {@code _compute_llama3_parameters}): a wavelength 2π/θ longer than
   * original/lowFreqFactor is divided by factor, one shorter than original/highFreqFactor kept, and
   * one between interpolated smoothly between the two. longrope: θ_i / factor_i, with the long
   * factors when {@code beyondOriginal}.
   */
  public double apply(int i, double inverseFrequency, boolean beyondOriginal) {
    switch (type) {
      case "linear":
        return inverseFrequency / factor;
      case "longrope":
        return inverseFrequency / (beyondOriginal ? longFactor : shortFactor).get(i);
      default:
        break;
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

  /** Whether frequencies depend on how far a pass's positions reach (longrope). */
  public boolean dependsOnLength() {
    return type.equals("longrope");
  }
}
