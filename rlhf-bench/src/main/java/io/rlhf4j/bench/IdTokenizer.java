package io.rlhf4j.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import java.util.Arrays;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * A vocabulary of bare ids, for benchmarks at a real model's shape without its tokenizer: text is
 * each id after a space (so that texts concatenate), and there is no BOS or EOS, so generation
 * always runs to its limit.
 */
final class IdTokenizer implements SavableTokenizer {
  private final int vocab;

  IdTokenizer(int vocab) {
    this.vocab = vocab;
  }

  @Override
  public int[] encode(String text, boolean addBos) {
    return text.isBlank()
        ? new int[0]
        : Arrays.stream(text.trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
  }

  @Override
  public String decode(int[] ids) {
    return Arrays.stream(ids).mapToObj(id -> " " + id).collect(Collectors.joining());
  }

  /**
   * The same vocabulary as a Hugging Face word-level tokenizer: each id's decimal text is a word,
   * split on whitespace, so a saved benchmark model loads with a tokenizer that encodes alike.
   */
  @Override
  public String tokenizerJson() {
    JsonObject words = new JsonObject();
    for (int id = 0; id < vocab; id++) {
      words.addProperty(Integer.toString(id), id);
    }
    JsonObject model = new JsonObject();
    model.addProperty("type", "WordLevel");
    model.add("vocab", words);
    model.addProperty("unk_token", "0");
    JsonObject split = new JsonObject();
    split.addProperty("type", "WhitespaceSplit");
    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("truncation", JsonNull.INSTANCE);
    root.add("padding", JsonNull.INSTANCE);
    root.add("added_tokens", new JsonArray());
    root.add("normalizer", JsonNull.INSTANCE);
    root.add("pre_tokenizer", split);
    root.add("post_processor", JsonNull.INSTANCE);
    root.add("decoder", JsonNull.INSTANCE);
    root.add("model", model);
    return root.toString();
  }

  @Override
  public int vocabSize() {
    return vocab;
  }

  @Override
  public OptionalInt bosId() {
    return OptionalInt.empty();
  }

  @Override
  public OptionalInt eosId() {
    return OptionalInt.empty();
  }
}
