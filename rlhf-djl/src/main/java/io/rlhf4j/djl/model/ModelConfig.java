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
 * @param globalLayers the layers that attend to everything although {@code slidingWindow} is set
 *     (Gemma's global layers between its local ones); empty: the window applies to every layer
 * @param localRopeTheta RoPE base of the windowed layers, unscaled (Gemma 3's {@code
 *     rope_local_base_freq}); 0: they use the global RoPE
 * @param queryPreAttnScalar attention scores are scaled by this^(−1/2) (Gemma's {@code
 *     query_pre_attn_scalar}); 0: by headDim^(−1/2)
 * @param attnSoftcap attention scores become cap·tanh(score/cap) before the mask (Gemma 2); 0: none
 * @param finalSoftcap logits become cap·tanh(logit/cap) (Gemma 2); 0: none
 * @param rotaryFraction the share of each head's dims that RoPE rotates (Phi-4-mini's {@code
 *     partial_rotary_factor}); 1: all
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
    List<Integer> noRopeLayers,
    List<Integer> globalLayers,
    double localRopeTheta,
    double queryPreAttnScalar,
    double attnSoftcap,
    double finalSoftcap,
    double rotaryFraction)
    implements java.io.Serializable {

  /** The block designs rlhf4j implements. */
  public enum Family {
    /** Llama, Mistral, Qwen2, Qwen3, Phi-3, TinyLlama, SmolLM, llama2.c. */
    LLAMA,
    /**
     * Gemma 2 and 3: as Llama, with RMSNorm weights stored as offsets from 1, embeddings scaled by
     * √d, a tanh-GELU gate, and norms after attention and after the MLP as well as before.
     */
    GEMMA,
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
    globalLayers = List.copyOf(checkNotNull(globalLayers, "globalLayers"));
    for (int layer : globalLayers) {
      checkArgument(layer >= 0 && layer < numLayers, "globalLayers: no layer %s", layer);
    }
    checkArgument(localRopeTheta >= 0, "localRopeTheta must be >= 0: %s", localRopeTheta);
    checkArgument(queryPreAttnScalar >= 0, "queryPreAttnScalar must be >= 0");
    checkArgument(attnSoftcap >= 0 && finalSoftcap >= 0, "softcaps must be >= 0");
    checkArgument(rotaryFraction > 0 && rotaryFraction <= 1, "rotaryFraction must be in (0, 1]");
    checkArgument(rotaryDim() % 2 == 0, "the rotary dims (%s) must be even", rotaryDim());
  }

  /** Whether layer {@code i} attends through the sliding window. */
  public boolean windowed(int layer) {
    return slidingWindow > 0 && !globalLayers.contains(layer);
  }

  /** How many of each head's dims RoPE rotates: headDim × rotaryFraction. */
  public int rotaryDim() {
    return (int) (headDim * rotaryFraction);
  }

  /** The factor attention scores are multiplied by. */
  public double attentionScale() {
    return 1 / Math.sqrt(queryPreAttnScalar > 0 ? queryPreAttnScalar : headDim);
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

  /** A builder for a Gemma 2 / 3 config: tied embeddings, head_dim 256 unless set. */
  public static Builder gemma() {
    return new Builder(Family.GEMMA, "gemma2").tieEmbeddings(true);
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
    private List<Integer> globalLayers = List.of();
    private double localRopeTheta;
    private double queryPreAttnScalar;
    private double attnSoftcap;
    private double finalSoftcap;
    private double rotaryFraction = 1;
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

    /** See {@link ModelConfig#globalLayers()}. */
    public Builder globalLayers(List<Integer> v) {
      globalLayers = v;
      return this;
    }

    /** See {@link ModelConfig#localRopeTheta()}; 0 for none. */
    public Builder localRopeTheta(double v) {
      localRopeTheta = v;
      return this;
    }

    /** See {@link ModelConfig#queryPreAttnScalar()}; 0 for headDim. */
    public Builder queryPreAttnScalar(double v) {
      queryPreAttnScalar = v;
      return this;
    }

    /** See {@link ModelConfig#attnSoftcap()}; 0 for none. */
    public Builder attnSoftcap(double v) {
      attnSoftcap = v;
      return this;
    }

    /** See {@link ModelConfig#finalSoftcap()}; 0 for none. */
    public Builder finalSoftcap(double v) {
      finalSoftcap = v;
      return this;
    }

    /** See {@link ModelConfig#rotaryFraction()}; 1 for every dim. */
    public Builder rotaryFraction(double v) {
      rotaryFraction = v;
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
          noRopeLayers,
          globalLayers,
          localRopeTheta,
          queryPreAttnScalar,
          attnSoftcap,
          finalSoftcap,
          rotaryFraction);
    }
  }
}
