package io.rlhf4j.djl.tokenize;

import io.rlhf4j.model.Tokenizer;

/**
 * A tokenizer that can describe itself as a Hugging Face {@code tokenizer.json}, so a saved model
 * folder loads in {@code transformers} with its tokenizer.
 */
public interface SavableTokenizer extends Tokenizer {
  /** The complete {@code tokenizer.json} text. */
  String tokenizerJson();

  /**
   * The {@code tokenizer_config.json} and {@code special_tokens_map.json} saved beside {@code
   * tokenizer.json}: by default derived from the special tokens; a tokenizer loaded with a config
   * returns that one, chat template included.
   */
  default TokenizerConfig tokenizerConfig() {
    return TokenizerConfig.derived(tokenizerJson(), bosId(), eosId(), "PreTrainedTokenizerFast");
  }

  /**
   * This tokenizer with {@code template} as the chat template of its {@code tokenizer_config.json}:
   * a model saved with it keeps the template it was trained with.
   */
  default SavableTokenizer withChatTemplate(String template) {
    return new ConfiguredTokenizer(this, tokenizerConfig().withChatTemplate(template));
  }
}
