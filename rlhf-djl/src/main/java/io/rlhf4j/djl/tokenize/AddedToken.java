package io.rlhf4j.djl.tokenize;

import java.util.LinkedHashMap;
import java.util.Map;

/** One entry of a {@code tokenizer.json}'s {@code added_tokens}: a special token. */
final class AddedToken {
  private AddedToken() {}

  /**
   * @param normalized whether the token is matched after normalisation (GPT-2: yes; Llama: no)
   */
  static Map<String, Object> special(int id, String content, boolean normalized) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("content", content);
    m.put("single_word", false);
    m.put("lstrip", false);
    m.put("rstrip", false);
    m.put("normalized", normalized);
    m.put("special", true);
    return m;
  }
}
