package io.rlhf4j.djl.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.rlhf4j.data.json.Json;
import io.rlhf4j.data.json.JsonParseException;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.io.InputFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json}, run by the Rust {@code tokenizers} library through DJL.
 * Special tokens are not added by the library; BOS is prepended here when asked, with the ids the
 * model's config names.
 */
public final class HfTokenizer implements SavableTokenizer, AutoCloseable, java.io.Serializable {
  private static final long serialVersionUID = 1L;

  private final transient HuggingFaceTokenizer tokenizer;
  private final String json;
  private final int vocabSize;
  private final int bos;
  private final int eos;
  private final TokenizerConfig config; // null: derived when asked

  private HfTokenizer(
      HuggingFaceTokenizer tokenizer,
      String json,
      int vocabSize,
      int bos,
      int eos,
      TokenizerConfig config) {
    this.tokenizer = tokenizer;
    this.json = json;
    this.vocabSize = vocabSize;
    this.bos = bos;
    this.eos = eos;
    this.config = config;
  }

  /**
   * Loads {@code file} with the {@code tokenizer_config.json} read beside it ({@code config}, or
   * null when there was none), which {@link #tokenizerConfig()} then returns.
   */
  public static HfTokenizer load(
      Path file, int vocabSize, int bos, int eos, TokenizerConfig config) {
    HfTokenizer t = load(file, vocabSize, bos, eos);
    return new HfTokenizer(t.tokenizer, t.json, vocabSize, bos, eos, config);
  }

  /**
   * Loads {@code file}.
   *
   * @param vocabSize the model's vocabulary size (embedding rows)
   * @param bos BOS id from the model config, or -1
   * @param eos EOS id from the model config, or -1
   */
  public static HfTokenizer load(Path file, int vocabSize, int bos, int eos) {
    try {
      String json = InputFiles.readUtf8(file);
      checkIds(file, json, vocabSize);
      HuggingFaceTokenizer tokenizer =
          HuggingFaceTokenizer.newInstance(
              file, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
      return new HfTokenizer(tokenizer, json, vocabSize, bos, eos, null);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ModelFormatException(file, "file not found");
    } catch (IOException e) {
      throw new ModelFormatException(file, "cannot read: " + InputFiles.describe(e), e);
    } catch (ModelFormatException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ModelFormatException(file, "not a loadable tokenizer.json", e);
    }
  }

  /**
   * Refuses a tokenizer that can produce an id the model has no embedding row for (a tokenizer of
   * another model, or ids shifted by a broken export): the first forward pass would otherwise fail
   * deep in the engine with "index out of range".
   */
  private static void checkIds(Path file, String json, int vocabSize) {
    Map<String, Object> root;
    try {
      root = Json.parseObject(json);
    } catch (JsonParseException e) {
      throw new ModelFormatException(file, "invalid JSON at column " + e.column());
    }
    long max = -1;
    if (root.get("model") instanceof Map<?, ?> model) {
      Object vocab = model.get("vocab");
      if (vocab instanceof Map<?, ?> ids) { // BPE, WordPiece, WordLevel: token -> id
        for (Object id : ids.values()) {
          max = Math.max(max, id instanceof Long l ? l : Long.MAX_VALUE);
        }
      } else if (vocab instanceof List<?> pieces) { // Unigram: the id is the position
        max = Math.max(max, pieces.size() - 1L);
      }
    }
    if (root.get("added_tokens") instanceof List<?> added) {
      for (Object token : added) {
        if (token instanceof Map<?, ?> t) {
          max = Math.max(max, t.get("id") instanceof Long l ? l : Long.MAX_VALUE);
        }
      }
    }
    if (max >= vocabSize) {
      throw new ModelFormatException(
          file,
          "its token ids reach "
              + (max == Long.MAX_VALUE ? "a non-integer" : String.valueOf(max))
              + ", beyond the model's vocabulary of "
              + vocabSize
              + " (a tokenizer of another model?)");
    }
  }

  @Override
  public int[] encode(String text, boolean addBos) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int offset = addBos && bos >= 0 ? 1 : 0;
    int[] out = new int[ids.length + offset];
    if (offset == 1) {
      out[0] = bos;
    }
    for (int i = 0; i < ids.length; i++) {
      out[i + offset] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /**
   * Decodes, dropping BOS and EOS here: through DJL 0.35.1 the library's own skip-special-tokens
   * flag leaves {@code <s>} in the text.
   */
  @Override
  public String decode(int[] ids) {
    long[] kept =
        java.util.Arrays.stream(ids).filter(id -> id != bos && id != eos).asLongStream().toArray();
    return tokenizer.decode(kept, true);
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  public OptionalInt bosId() {
    return bos >= 0 ? OptionalInt.of(bos) : OptionalInt.empty();
  }

  @Override
  public OptionalInt eosId() {
    return eos >= 0 ? OptionalInt.of(eos) : OptionalInt.empty();
  }

  @Override
  public String tokenizerJson() {
    return json;
  }

  @Override
  public TokenizerConfig tokenizerConfig() {
    return config != null ? config : SavableTokenizer.super.tokenizerConfig();
  }

  @Override
  public void close() {
    tokenizer.close();
  }

  // The native tokenizer cannot be serialised; its tokenizer.json text can, and rebuilds it.
  private Object writeReplace() {
    return new SerialForm(json, vocabSize, bos, eos, config);
  }

  private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
    throw new java.io.InvalidObjectException("an HfTokenizer travels as its SerialForm");
  }

  /** What an {@link HfTokenizer} is serialised as: its tokenizer.json text and its config. */
  private record SerialForm(String json, int vocabSize, int bos, int eos, TokenizerConfig config)
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private Object readResolve() throws java.io.ObjectStreamException {
      try {
        HuggingFaceTokenizer native0 =
            HuggingFaceTokenizer.newInstance(
                new java.io.ByteArrayInputStream(
                    json.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        return new HfTokenizer(native0, json, vocabSize, bos, eos, config);
      } catch (IOException e) {
        java.io.InvalidObjectException bad =
            new java.io.InvalidObjectException("cannot rebuild the tokenizer");
        bad.initCause(e);
        throw bad;
      }
    }
  }
}
