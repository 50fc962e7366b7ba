package io.rlhf4j.djl.io;

import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.internal.io.InputFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * llama2.c "version 0" checkpoints: seven little-endian int32 (dim, hidden_dim, n_layers, n_heads,
 * n_kv_heads, vocab_size, seq_len; a negative vocab_size means an untied classifier at the end),
 * then fp32 arrays in a fixed order. Converted to canonical tensors, with q and k rows permuted
 * from llama2.c's interleaved rotary pairs to Hugging Face's rotate-half halves, the same
 * permutation {@code convert_llama_weights_to_hf.py} applies.
 */
final class Llama2cCheckpoint {
  private static final int HEADER_INTS = 7;

  private Llama2cCheckpoint() {}

  /** The config and canonical tensors of one checkpoint. */
  public record Contents(ModelConfig config, Map<String, Tensor> tensors) {}

  /**
   * Reads {@code file}; the size must match the header exactly. Streamed tensor by tensor from the
   * file, so a checkpoint larger than 2 GiB (one Java array's limit) loads too.
   */
  public static Contents read(Path file) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return read(file, channel);
    } catch (IOException e) {
      throw new ModelFormatException(file, "cannot read checkpoint: " + InputFiles.describe(e), e);
    }
  }

  private static Contents read(Path file, FileChannel channel) throws IOException {
    long size = channel.size();
    if (size < HEADER_INTS * 4) {
      throw new ModelFormatException(file, "truncated: " + size + " bytes, no header");
    }
    Floats in = new Floats(file, channel);
    ByteBuffer buffer = in.bytes(HEADER_INTS * 4);
    int dim = buffer.getInt();
    int hidden = buffer.getInt();
    int layers = buffer.getInt();
    int heads = buffer.getInt();
    int kvHeads = buffer.getInt();
    int vocabField = buffer.getInt();
    int seqLen = buffer.getInt();
    boolean tied = vocabField > 0;
    int vocab = vocabField == Integer.MIN_VALUE ? 0 : Math.abs(vocabField);
    if (dim <= 0
        || hidden <= 0
        || layers <= 0
        || heads <= 0
        || kvHeads <= 0
        || seqLen <= 0
        || vocab <= 0
        || dim % heads != 0
        || heads % kvHeads != 0
        || (dim / heads) % 2 != 0) {
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
    if (size != expectedBytes) {
      throw new ModelFormatException(
          file,
          "size "
              + size
              + " bytes does not match the "
              + expectedBytes
              + " its header implies ("
              + (size < expectedBytes ? "truncated" : "trailing data")
              + ")");
    }
    // The file holds each kind of array for all layers in turn: rms_att for every layer, then wq
    // for every layer, and so on.
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("embed.weight", in.matrix(vocab, dim));
    in.perLayer(layers, t, "attn_norm.weight", l -> in.vector(dim));
    in.perLayer(layers, t, "attn.q.weight", l -> interleavedToHalves(in.matrix(dim, dim), heads));
    in.perLayer(layers, t, "attn.k.weight", l -> interleavedToHalves(in.matrix(kv, dim), kvHeads));
    in.perLayer(layers, t, "attn.v.weight", l -> in.matrix(kv, dim));
    in.perLayer(layers, t, "attn.o.weight", l -> in.matrix(dim, dim));
    in.perLayer(layers, t, "mlp_norm.weight", l -> in.vector(dim));
    in.perLayer(layers, t, "mlp.gate.weight", l -> in.matrix(hidden, dim)); // w1
    in.perLayer(layers, t, "mlp.down.weight", l -> in.matrix(dim, hidden)); // w2
    in.perLayer(layers, t, "mlp.up.weight", l -> in.matrix(hidden, dim)); // w3
    t.put("norm.weight", in.vector(dim));
    in.skipFloats((long) seqLen * hd); // freq_cis real and imaginary: recomputed instead
    if (!tied) {
      t.put("lm_head.weight", in.matrix(vocab, dim));
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
    return new Contents(config, reorder(t, layers));
  }

  // Canonical order (layer by layer), as the layout lists parameters.
  private static Map<String, Tensor> reorder(Map<String, Tensor> t, int layers) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    out.put("embed.weight", t.get("embed.weight"));
    for (int i = 0; i < layers; i++) {
      String p = "layers." + i + ".";
      for (String part :
          new String[] {
            "attn_norm.weight",
            "attn.q.weight",
            "attn.k.weight",
            "attn.v.weight",
            "attn.o.weight",
            "mlp_norm.weight",
            "mlp.gate.weight",
            "mlp.up.weight",
            "mlp.down.weight"
          }) {
        out.put(p + part, t.get(p + part));
      }
    }
    out.put("norm.weight", t.get("norm.weight"));
    if (t.containsKey("lm_head.weight")) {
      out.put("lm_head.weight", t.get("lm_head.weight"));
    }
    return out;
  }

  /** Little-endian floats read in order from a file channel, a megabyte at a time. */
  private static final class Floats {
    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private long position;

    Floats(Path file, FileChannel channel) {
      this.file = file;
      this.channel = channel;
    }

    ByteBuffer bytes(int n) throws IOException {
      ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
      fill(b);
      return b.flip();
    }

    Tensor vector(int n) throws IOException {
      return new Tensor(new long[] {n}, floats(n));
    }

    Tensor matrix(int rows, int cols) throws IOException {
      long n = (long) rows * cols;
      if (n > Integer.MAX_VALUE - 8) {
        throw new ModelFormatException(
            file, "a " + rows + " x " + cols + " matrix is too large for one Java array");
      }
      return new Tensor(new long[] {rows, cols}, floats((int) n));
    }

    void skipFloats(long n) {
      position += 4 * n;
    }

    interface LayerTensor {
      Tensor read(int layer) throws IOException;
    }

    void perLayer(int layers, Map<String, Tensor> out, String part, LayerTensor tensor)
        throws IOException {
      for (int i = 0; i < layers; i++) {
        out.put("layers." + i + "." + part, tensor.read(i));
      }
    }

    private float[] floats(int n) throws IOException {
      float[] out = new float[n];
      int filled = 0;
      while (filled < n) {
        chunk.clear();
        chunk.limit((int) Math.min(chunk.capacity(), 4L * (n - filled)));
        fill(chunk);
        chunk.flip();
        int count = chunk.remaining() / 4;
        chunk.asFloatBuffer().get(out, filled, count);
        filled += count;
      }
      return out;
    }

    private void fill(ByteBuffer b) throws IOException {
      while (b.hasRemaining()) {
        int n = channel.read(b, position);
        if (n < 0) {
          throw new ModelFormatException(file, "truncated: ended at byte " + position);
        }
        position += n;
      }
    }
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
}
