package io.rlhf4j.djl.train.sft;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.data.Demonstration;
import io.rlhf4j.model.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Demonstrations as token ids for SFT: prompt = BOS + prompt text, response = response text + EOS
 * (so the model learns to stop).
 *
 * <p>Truncation policy, for sequences longer than {@code maxLength}: the prompt loses tokens from
 * its start (BOS kept), since the text nearest the response matters most; if the response alone
 * still does not fit, it is cut at the end and loses its EOS (it did not end there). At least one
 * prompt token (BOS) always remains, because the first response token is predicted from it.
 */
public final class SftExamples {
  private SftExamples() {}

  /** One tokenized demonstration. */
  public record Example(int[] prompt, int[] response) {}

  /** Tokenizes and truncates {@code demonstrations}. */
  public static List<Example> encode(
      List<Demonstration> demonstrations, Tokenizer tokenizer, int maxLength) {
    checkArgument(tokenizer.bosId().isPresent(), "SFT needs a tokenizer with a BOS token");
    List<Example> out = new ArrayList<>(demonstrations.size());
    for (Demonstration d : demonstrations) {
      out.add(encodeOne(tokenizer, d.prompt(), d.response(), maxLength));
    }
    return out;
  }

  /** One (prompt, response) pair: BOS + prompt, response + EOS, truncated to {@code maxLength}. */
  public static Example encodeOne(Tokenizer tokenizer, String prompt, String text, int maxLength) {
    int[] response = encodeResponse(tokenizer, prompt, text);
    if (tokenizer.eosId().isPresent()) {
      response = Arrays.copyOf(response, response.length + 1);
      response[response.length - 1] = tokenizer.eosId().getAsInt();
    }
    return truncate(tokenizer.encode(prompt, true), response, maxLength);
  }

  /**
   * The response's tokens as they follow the prompt. Tokenizers with a dummy prefix (sentencepiece)
   * would start a separately encoded response with a space token; encoding prompt + response and
   * removing the prompt's tokens avoids that where the prompt's tokens are a prefix.
   */
  static int[] encodeResponse(Tokenizer tokenizer, String prompt, String response) {
    if (prompt.isEmpty()) {
      return tokenizer.encode(response, false);
    }
    int[] alone = tokenizer.encode(prompt, false);
    int[] joined = tokenizer.encode(prompt + response, false);
    if (joined.length > alone.length && Arrays.equals(Arrays.copyOf(joined, alone.length), alone)) {
      return Arrays.copyOfRange(joined, alone.length, joined.length);
    }
    return tokenizer.encode(response, false);
  }

  static Example truncate(int[] prompt, int[] response, int maxLength) {
    int excess = prompt.length + response.length - maxLength;
    if (excess <= 0) {
      return new Example(prompt, response);
    }
    int dropFromPrompt = Math.min(excess, prompt.length - 1);
    int[] shortPrompt = new int[prompt.length - dropFromPrompt];
    shortPrompt[0] = prompt[0];
    System.arraycopy(prompt, 1 + dropFromPrompt, shortPrompt, 1, shortPrompt.length - 1);
    int keep = Math.min(response.length, maxLength - shortPrompt.length);
    return new Example(shortPrompt, Arrays.copyOf(response, keep));
  }
}
