package io.rlhf4j.djl.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.internal.io.InputFiles;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json}, run by the Rust {@code tokenizers} library through DJL.
 * What goes in front of a text is what transformers' own tokenizer puts there: the tokenizer.json
 * post-processor's prefix (Llama 3's {@code <|begin_of_text|>}; nothing for Qwen2.5 or GPT-2), or,
 * for the tokenizer classes that rebuild it from {@code tokenizer_config.json} (Llama's and
 * Gemma's), BOS exactly when {@code add_bos_token} says so (default true). Generation stops on
 * every id of {@link #stopIds()}.
 */
public final class HfTokenizer implements SavableTokenizer, AutoCloseable, java.io.Serializable {
  private static final long serialVersionUID = 1L;

  private final transient HuggingFaceTokenizer tokenizer;
  private final String json;
  private final int vocabSize;
  private final int bos;
  private final int eos;
  private final int[] stops;
  private final TokenizerConfig config; // null: derived when asked
  private final int[] prefix; // what goes in front of a text, as the model's tokenizer does

  private HfTokenizer(
      HuggingFaceTokenizer tokenizer,
      String json,
      int vocabSize,
      int bos,
      int[] stops,
      TokenizerConfig config) {
    this.tokenizer = tokenizer;
    this.json = json;
    this.vocabSize = vocabSize;
    this.bos = bos;
    this.stops = stops.clone();
    this.eos = stops.length > 0 ? stops[0] : -1;
    this.config = config;
    this.prefix = prefix(tokenizer, config, bos);
  }

  /**
   * Loads {@code file} with the {@code tokenizer_config.json} read beside it ({@code config}, or
   * null when there was none), which {@link #tokenizerConfig()} then returns.
   */
  public static HfTokenizer load(
      Path file, int vocabSize, int bos, int eos, TokenizerConfig config) {
    return load(file, vocabSize, bos, eos >= 0 ? new int[] {eos} : new int[0], config);
  }

  /**
   * Loads {@code file}.
   *
   * @param stops the ids generation stops on, EOS first (config.json's and generation_config.json's
   *     {@code eos_token_id}s)
   * @param config the {@code tokenizer_config.json} beside it, or null
   */
  public static HfTokenizer load(
      Path file, int vocabSize, int bos, int[] stops, TokenizerConfig config) {
    try {
      String json = InputFiles.readUtf8(file);
      checkIds(file, json, vocabSize);
      HuggingFaceTokenizer tokenizer =
          HuggingFaceTokenizer.newInstance(
              file, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
      return new HfTokenizer(tokenizer, json, vocabSize, bos, stops, config);
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
   * The ids transformers' tokenizer puts in front of a text. Llama's and Gemma's tokenizer classes
   * rebuild their post-processor from {@code add_bos_token} (default true); every other class
   * (PreTrainedTokenizerFast for Llama 3, Qwen2TokenizerFast, GPT2TokenizerFast) runs the
   * tokenizer.json post-processor as it is, whose prefix is read off by encoding a letter with and
   * without special tokens.
   */
  private static int[] prefix(HuggingFaceTokenizer tokenizer, TokenizerConfig config, int bos) {
    String type = config == null ? "" : config.string("tokenizer_class").orElse("");
    if (type.matches("(Code)?LlamaTokenizer(Fast)?|GemmaTokenizer(Fast)?")) {
      boolean add = config.flag("add_bos_token").orElse(true);
      return add && bos >= 0 ? new int[] {bos} : new int[0];
    }
    long[] plain = tokenizer.encode("a", false, false).getIds();
    long[] special = tokenizer.encode("a", true, false).getIds();
    for (int k = 0; k + plain.length <= special.length; k++) {
      if (java.util.Arrays.equals(special, k, k + plain.length, plain, 0, plain.length)) {
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
          out[i] = Math.toIntExact(special[i]);
        }
        return out;
      }
    }
    return new int[0];
  }

  /**
   * Loads {@code file}.
   *
   * @param vocabSize the model's vocabulary size (embedding rows)
   * @param bos BOS id from the model config, or -1
   * @param eos EOS id from the model config, or -1
   */
  public static HfTokenizer load(Path file, int vocabSize, int bos, int eos) {
    return load(file, vocabSize, bos, eos, null);
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
    int offset = addBos ? prefix.length : 0;
    int[] out = new int[ids.length + offset];
    System.arraycopy(prefix, 0, out, 0, offset);
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
        java.util.Arrays.stream(ids)
            .filter(id -> id != bos && java.util.Arrays.stream(stops).noneMatch(s -> s == id))
            .asLongStream()
            .toArray();
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
  public int[] stopIds() {
    return stops.clone();
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
    return new SerialForm(json, vocabSize, bos, stops, config);
  }

  private void readObject(java.io.ObjectInputStream in) throws java.io.InvalidObjectException {
    throw new java.io.InvalidObjectException("an HfTokenizer travels as its SerialForm");
  }

  /** What an {@link HfTokenizer} is serialised as: its tokenizer.json text and its config. */
  private record SerialForm(
      String json, int vocabSize, int bos, int[] stops, TokenizerConfig config)
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private Object readResolve() throws java.io.ObjectStreamException {
      try {
        HuggingFaceTokenizer native0 =
            HuggingFaceTokenizer.newInstance(
                new java.io.ByteArrayInputStream(
                    json.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        return new HfTokenizer(native0, json, vocabSize, bos, stops, config);
      } catch (IOException e) {
        java.io.InvalidObjectException bad =
            new java.io.InvalidObjectException("cannot rebuild the tokenizer");
        bad.initCause(e);
        throw bad;
      }
    }
  }
}
