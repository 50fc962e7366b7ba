package io.rlhf4j.djl.tokenize;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.util.OptionalInt;

/**
 * A tokenizer with another {@code tokenizer_config.json}: it encodes and decodes as the one it
 * wraps, and a model saved with it carries the given config (a chat template the user chose, say),
 * so the folder reads back the way it was trained.
 */
final class ConfiguredTokenizer implements SavableTokenizer, Serializable {
  private static final long serialVersionUID = 1L;

  private final SavableTokenizer tokenizer;
  private final TokenizerConfig config;

  ConfiguredTokenizer(SavableTokenizer tokenizer, TokenizerConfig config) {
    this.tokenizer =
        tokenizer instanceof ConfiguredTokenizer c ? c.tokenizer : checkNotNull(tokenizer);
    this.config = checkNotNull(config);
  }

  @Override
  public int[] encode(String text, boolean addBos) {
    return tokenizer.encode(text, addBos);
  }

  @Override
  public String decode(int[] ids) {
    return tokenizer.decode(ids);
  }

  @Override
  public int vocabSize() {
    return tokenizer.vocabSize();
  }

  @Override
  public OptionalInt bosId() {
    return tokenizer.bosId();
  }

  @Override
  public OptionalInt eosId() {
    return tokenizer.eosId();
  }

  @Override
  public int[] stopIds() {
    return tokenizer.stopIds();
  }

  @Override
  public String tokenizerJson() {
    return tokenizer.tokenizerJson();
  }

  @Override
  public TokenizerConfig tokenizerConfig() {
    return config;
  }
}
