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
   * @param addBos whether to put in front what the model's own tokenizer puts in front of a text
   *     (its BOS, for tokenizers that add one: Llama 2 and 3, not GPT-2 or Qwen2.5); false gives
   *     the text's ids alone
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

  /**
   * Every id generation stops on: EOS and, where the model says so, others (Llama 3 Instruct's
   * {@code eos_token_id: [128001, 128008, 128009]}: the end of text, of a tool call and of a turn).
   * A response that ends on any of them is finished.
   */
  default int[] stopIds() {
    return eosId().isPresent() ? new int[] {eosId().getAsInt()} : new int[0];
  }
}
