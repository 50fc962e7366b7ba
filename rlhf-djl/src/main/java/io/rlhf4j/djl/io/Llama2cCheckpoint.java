package io.rlhf4j.djl.io;

import io.rlhf4j.djl.model.ModelConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * llama2.c "version 0" checkpoints: seven little-endian int32 (dim, hidden_dim, n_layers, n_heads,
 * n_kv_heads, vocab_size, seq_len; a negative vocab_size means an untied classifier at the end),
 * then fp32 arrays in a fixed order. Converted to canonical tensors, with q and k rows permuted
 * from llama2.c's interleaved rotary pairs to Hugging Face's rotate-half halves, the same
 * permutation {@code convert_llama_weights_to_hf.py} applies.
 */
public final class Llama2cCheckpoint {
  private static final int HEADER_INTS = 7;

  private Llama2cCheckpoint() {}

  /** The config and canonical tensors of one checkpoint. */
  public record Contents(ModelConfig config, Map<String, Tensor> tensors) {}

  /** Reads {@code file}; the size must match the header exactly. */
  public static Contents read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ModelFormatException(file, "cannot read checkpoint: " + e.getMessage(), e);
    }
    if (bytes.length < HEADER_INTS * 4) {
      throw new ModelFormatException(file, "truncated: " + bytes.length + " bytes, no header");
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int dim = buffer.getInt();
    int hidden = buffer.getInt();
    int layers = buffer.getInt();
    int heads = buffer.getInt();
    int kvHeads = buffer.getInt();
    int vocabField = buffer.getInt();
    int seqLen = buffer.getInt();
    boolean tied = vocabField > 0;
    int vocab = Math.abs(vocabField);
    if (dim <= 0
        || hidden <= 0
        || layers <= 0
        || heads <= 0
        || kvHeads <= 0
        || seqLen <= 0
        || dim % heads != 0
        || heads % kvHeads != 0) {
      throw new ModelFormatException(
          file,
          String.format(
              "not a llama2.c checkpoint: header dim=%d hidden_dim=%d n_layers=%d n_heads=%d"
                  + " n_kv_heads=%d vocab_size=%d seq_len=%d",
              dim, hidden, layers, heads, kvHeads, vocabField, seqLen));
    }
    int hd = dim / heads;
    int kv = kvHeads * hd;
    long expectedFloats =
        (long) vocab * dim
            + (long) layers * (2L * dim + 2L * dim * dim + 2L * kv * dim + 3L * hidden * dim)
            + dim
            + (long) seqLen * hd
            + (tied ? 0 : (long) vocab * dim);
    long expectedBytes = HEADER_INTS * 4L + expectedFloats * 4;
    if (bytes.length != expectedBytes) {
      throw new ModelFormatException(
          file,
          "size "
              + bytes.length
              + " bytes does not match the "
              + expectedBytes
              + " its header implies ("
              + (bytes.length < expectedBytes ? "truncated" : "trailing data")
              + ")");
    }
    FloatBuffer f = buffer.asFloatBuffer();
    float[] embed = take(f, vocab * dim);
    float[] rmsAtt = take(f, layers * dim);
    float[] wq = take(f, layers * dim * dim);
    float[] wk = take(f, layers * kv * dim);
    float[] wv = take(f, layers * kv * dim);
    float[] wo = take(f, layers * dim * dim);
    float[] rmsFfn = take(f, layers * dim);
    float[] w1 = take(f, layers * hidden * dim);
    float[] w2 = take(f, layers * dim * hidden);
    float[] w3 = take(f, layers * hidden * dim);
    float[] rmsFinal = take(f, dim);
    f.position(f.position() + seqLen * hd); // freq_cis real and imaginary: recomputed instead
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("embed.weight", tensor(embed, 0, vocab, dim));
    for (int i = 0; i < layers; i++) {
      String p = "layers." + i + ".";
      t.put(p + "attn_norm.weight", vector(rmsAtt, i, dim));
      t.put(p + "attn.q.weight", interleavedToHalves(tensor(wq, i, dim, dim), heads));
      t.put(p + "attn.k.weight", interleavedToHalves(tensor(wk, i, kv, dim), kvHeads));
      t.put(p + "attn.v.weight", tensor(wv, i, kv, dim));
      t.put(p + "attn.o.weight", tensor(wo, i, dim, dim));
      t.put(p + "mlp_norm.weight", vector(rmsFfn, i, dim));
      t.put(p + "mlp.gate.weight", tensor(w1, i, hidden, dim));
      t.put(p + "mlp.up.weight", tensor(w3, i, hidden, dim));
      t.put(p + "mlp.down.weight", tensor(w2, i, dim, hidden));
    }
    t.put("norm.weight", vector(rmsFinal, 0, dim));
    if (!tied) {
      t.put("lm_head.weight", tensor(take(f, vocab * dim), 0, vocab, dim));
    }
    ModelConfig config =
        ModelConfig.llama()
            .vocabSize(vocab)
            .hiddenSize(dim)
            .intermediateSize(hidden)
            .numLayers(layers)
            .numHeads(heads)
            .numKvHeads(kvHeads)
            .maxPositions(seqLen)
            .normEps(1e-5)
            .ropeTheta(10000)
            .tieEmbeddings(tied)
            .bosTokenId(1)
            .eosTokenId(1) // a llama2.c model ends a text with BOS, as run.c expects
            .build();
    return new Contents(config, t);
  }

  /**
   * Reorders each head's rows from (pair i, element e) at row 2i+e to Hugging Face's layout,
   * element e of pair i at row e·hd/2 + i.
   */
  static Tensor interleavedToHalves(Tensor w, int heads) {
    int rows = (int) w.shape()[0];
    int cols = (int) w.shape()[1];
    int hd = rows / heads;
    int half = hd / 2;
    float[] out = new float[w.data().length];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < half; i++) {
        for (int e = 0; e < 2; e++) {
          int from = h * hd + 2 * i + e;
          int to = h * hd + e * half + i;
          System.arraycopy(w.data(), from * cols, out, to * cols, cols);
        }
      }
    }
    return new Tensor(w.shape(), out);
  }

  private static float[] take(FloatBuffer f, int n) {
    float[] out = new float[n];
    f.get(out);
    return out;
  }

  private static Tensor tensor(float[] all, int index, int rows, int cols) {
    float[] out = new float[rows * cols];
    System.arraycopy(all, index * rows * cols, out, 0, rows * cols);
    return new Tensor(new long[] {rows, cols}, out);
  }

  private static Tensor vector(float[] all, int index, int n) {
    float[] out = new float[n];
    System.arraycopy(all, index * n, out, 0, n);
    return new Tensor(new long[] {n}, out);
  }
}
