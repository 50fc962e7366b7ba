package io.rlhf4j.model;

import java.util.OptionalInt;

/**
 * Text to token ids and back, for one model's vocabulary. Implementations: llama2.c's
 * sentencepiece-style BPE, GPT-2's byte-level BPE, and Hugging Face {@code tokenizer.json}.
 */
public interface Tokenizer {
  /**
   * Encodes text.
   *
   * @param text the text
   * @param addBos whether to prepend the beginning-of-sequence token (ignored if there is none)
   */
  int[] encode(String text, boolean addBos);

  /** Decodes ids to text; special tokens (BOS, EOS, padding) are dropped. */
  String decode(int[] ids);

  /** The number of ids, i.e. the rows of the model's embedding. */
  int vocabSize();

  /** The beginning-of-sequence id, if the vocabulary has one. */
  OptionalInt bosId();

  /** The end-of-sequence id, if the vocabulary has one; generation stops on it. */
  OptionalInt eosId();
}
