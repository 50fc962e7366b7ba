package io.rlhf4j.djl.tokenize;

import io.rlhf4j.model.Tokenizer;

/**
 * A tokenizer that can describe itself as a Hugging Face {@code tokenizer.json}, so a saved model
 * folder loads in {@code transformers} with its tokenizer.
 */
public interface SavableTokenizer extends Tokenizer {
  /** The complete {@code tokenizer.json} text. */
  String tokenizerJson();
}
