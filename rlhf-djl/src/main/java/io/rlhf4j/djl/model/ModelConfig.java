package io.rlhf4j.djl.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;

/**
 * The shape of a decoder-only transformer, in Hugging Face's vocabulary.
 *
 * @param family the block design: Llama (RMSNorm, RoPE, GQA, SwiGLU) or GPT-2 (LayerNorm, learned
 *     positions, GELU)
 * @param modelType Hugging Face's {@code model_type} to write back: llama, mistral, qwen2 or gpt2
 * @param vocabSize rows of the embedding
 * @param hiddenSize the residual width d
 * @param intermediateSize the MLP width
 * @param numLayers transformer blocks
 * @param numHeads query heads
 * @param numKvHeads key/value heads (grouped-query attention when fewer than numHeads)
 * @param headDim width of one head (usually hiddenSize / numHeads)
 * @param maxPositions the longest sequence the positions support
 * @param normEps epsilon of RMSNorm / LayerNorm
 * @param ropeTheta RoPE base (Llama family)
 * @param tieEmbeddings whether the unembedding is the embedding matrix
 * @param qkvBias whether q/k/v projections carry biases (Qwen2, GPT-2)
 * @param bosTokenId beginning-of-sequence id, or -1
 * @param eosTokenId end-of-sequence id, or -1
 * @param ropeScaling how RoPE frequencies are rescaled (Llama family), or null for none
 * @param slidingWindow attention over the last this many tokens only (Mistral), 0 for all
 * @param qkNorm whether each head's queries and keys are RMS-normalised before RoPE (Qwen3)
 * @param noRopeLayers the layers whose attention has no RoPE at all (SmolLM3's NoPE layers)
 */
public record ModelConfig(
    Family family,
    String modelType,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    int maxPositions,
    double normEps,
    double ropeTheta,
    boolean tieEmbeddings,
    boolean qkvBias,
    int bosTokenId,
    int eosTokenId,
    RopeScaling ropeScaling,
    int slidingWindow,
    boolean qkNorm,
    List<Integer> noRopeLayers)
    implements java.io.Serializable {

  /** The two block designs rlhf4j implements. */
  public enum Family {
    /** Llama, Mistral, Qwen2, Qwen3, TinyLlama, SmolLM, llama2.c. */
    LLAMA,
    /** GPT-2. */
    GPT2
  }

  /** Validates on construction. */
  public ModelConfig {
    checkNotNull(family, "family");
    checkNotNull(modelType, "modelType");
    checkArgument(vocabSize > 0, "vocabSize must be > 0: %s", vocabSize);
    checkArgument(hiddenSize > 0, "hiddenSize must be > 0: %s", hiddenSize);
    checkArgument(intermediateSize > 0, "intermediateSize must be > 0: %s", intermediateSize);
    checkArgument(numLayers > 0, "numLayers must be > 0: %s", numLayers);
    checkArgument(numHeads > 0, "numHeads must be > 0: %s", numHeads);
    checkArgument(
        numKvHeads > 0 && numHeads % numKvHeads == 0,
        "numKvHeads (%s) must divide numHeads (%s)",
        numKvHeads,
        numHeads);
    checkArgument(headDim > 0 && headDim % 2 == 0, "headDim must be even and > 0: %s", headDim);
    checkArgument(maxPositions > 0, "maxPositions must be > 0: %s", maxPositions);
    checkArgument(normEps > 0, "normEps must be > 0: %s", normEps);
    checkArgument(ropeTheta > 0, "ropeTheta must be > 0: %s", ropeTheta);
    checkArgument(bosTokenId < vocabSize && eosTokenId < vocabSize, "special ids beyond vocab");
    checkArgument(
        family != Family.GPT2 || numKvHeads == numHeads, "GPT-2 has no grouped-query attention");
    checkArgument(family != Family.GPT2 || ropeScaling == null, "GPT-2 has no RoPE");
    checkArgument(slidingWindow >= 0, "slidingWindow must be >= 0: %s", slidingWindow);
    checkArgument(family != Family.GPT2 || !qkNorm, "GPT-2 has no query/key norms");
    noRopeLayers = List.copyOf(checkNotNull(noRopeLayers, "noRopeLayers"));
    for (int layer : noRopeLayers) {
      checkArgument(layer >= 0 && layer < numLayers, "noRopeLayers: no layer %s", layer);
    }
  }

  /** Query width, numHeads × headDim. */
  public int qDim() {
    return numHeads * headDim;
  }

  /** Key/value width, numKvHeads × headDim. */
  public int kvDim() {
    return numKvHeads * headDim;
  }

  /** A builder for a Llama-family config, defaults as Hugging Face's LlamaConfig. */
  public static Builder llama() {
    return new Builder(Family.LLAMA, "llama");
  }

  /** A builder for a GPT-2 config, defaults as Hugging Face's GPT2Config. */
  public static Builder gpt2() {
    return new Builder(Family.GPT2, "gpt2").normEps(1e-5).tieEmbeddings(true).qkvBias(true);
  }

  /** Builds a {@link ModelConfig}; {@code headDim} defaults to hiddenSize / numHeads. */
  public static final class Builder {
    private final Family family;
    private String modelType;
    private int vocabSize;
    private int hiddenSize;
    private int intermediateSize;
    private int numLayers;
    private int numHeads;
    private int numKvHeads = -1;
    private int headDim = -1;
    private int maxPositions = 2048;
    private double normEps = 1e-6;
    private double ropeTheta = 10000;
    private RopeScaling ropeScaling;
    private int slidingWindow;
    private boolean qkNorm;
    private List<Integer> noRopeLayers = List.of();
    private boolean tieEmbeddings;
    private boolean qkvBias;
    private int bosTokenId = -1;
    private int eosTokenId = -1;

    private Builder(Family family, String modelType) {
      this.family = family;
      this.modelType = modelType;
    }

    /** Hugging Face's model_type. */
    public Builder modelType(String v) {
      modelType = v;
      return this;
    }

    /** See {@link ModelConfig#vocabSize()}. */
    public Builder vocabSize(int v) {
      vocabSize = v;
      return this;
    }

    /** See {@link ModelConfig#hiddenSize()}. */
    public Builder hiddenSize(int v) {
      hiddenSize = v;
      return this;
    }

    /** See {@link ModelConfig#intermediateSize()}. */
    public Builder intermediateSize(int v) {
      intermediateSize = v;
      return this;
    }

    /** See {@link ModelConfig#numLayers()}. */
    public Builder numLayers(int v) {
      numLayers = v;
      return this;
    }

    /** See {@link ModelConfig#numHeads()}. */
    public Builder numHeads(int v) {
      numHeads = v;
      return this;
    }

    /** See {@link ModelConfig#numKvHeads()}; defaults to numHeads. */
    public Builder numKvHeads(int v) {
      numKvHeads = v;
      return this;
    }

    /** See {@link ModelConfig#headDim()}; defaults to hiddenSize / numHeads. */
    public Builder headDim(int v) {
      headDim = v;
      return this;
    }

    /** See {@link ModelConfig#maxPositions()}. */
    public Builder maxPositions(int v) {
      maxPositions = v;
      return this;
    }

    /** See {@link ModelConfig#normEps()}. */
    public Builder normEps(double v) {
      normEps = v;
      return this;
    }

    /** See {@link ModelConfig#ropeTheta()}. */
    public Builder ropeTheta(double v) {
      ropeTheta = v;
      return this;
    }

    /** See {@link ModelConfig#tieEmbeddings()}. */
    public Builder tieEmbeddings(boolean v) {
      tieEmbeddings = v;
      return this;
    }

    /** See {@link ModelConfig#qkvBias()}. */
    public Builder qkvBias(boolean v) {
      qkvBias = v;
      return this;
    }

    /** See {@link ModelConfig#ropeScaling()}; null for none. */
    public Builder ropeScaling(RopeScaling v) {
      ropeScaling = v;
      return this;
    }

    /** See {@link ModelConfig#slidingWindow()}; 0 for none. */
    public Builder slidingWindow(int v) {
      slidingWindow = v;
      return this;
    }

    /** See {@link ModelConfig#qkNorm()}. */
    public Builder qkNorm(boolean v) {
      qkNorm = v;
      return this;
    }

    /** See {@link ModelConfig#noRopeLayers()}. */
    public Builder noRopeLayers(List<Integer> v) {
      noRopeLayers = v;
      return this;
    }

    /** See {@link ModelConfig#bosTokenId()}. */
    public Builder bosTokenId(int v) {
      bosTokenId = v;
      return this;
    }

    /** See {@link ModelConfig#eosTokenId()}. */
    public Builder eosTokenId(int v) {
      eosTokenId = v;
      return this;
    }

    /** Validates and builds. */
    public ModelConfig build() {
      checkArgument(numHeads > 0, "numHeads must be set");
      return new ModelConfig(
          family,
          modelType,
          vocabSize,
          hiddenSize,
          intermediateSize,
          numLayers,
          numHeads,
          numKvHeads < 0 ? numHeads : numKvHeads,
          headDim < 0 ? hiddenSize / numHeads : headDim,
          maxPositions,
          normEps,
          ropeTheta,
          tieEmbeddings,
          qkvBias,
          bosTokenId,
          eosTokenId,
          ropeScaling,
          slidingWindow,
          qkNorm,
          noRopeLayers);
    }
  }
}
