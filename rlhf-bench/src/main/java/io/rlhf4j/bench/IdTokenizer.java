package io.rlhf4j.bench;

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

  @Override
  public String tokenizerJson() {
    throw new UnsupportedOperationException("an id vocabulary has no tokenizer.json");
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
