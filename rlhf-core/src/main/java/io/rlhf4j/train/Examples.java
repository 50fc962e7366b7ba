package io.rlhf4j.train;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * (prompt, response) text as the token ids a model trains on or a reward model reads: prompt = the
 * prompt text as the model's tokenizer encodes it with its special prefix (BOS, for tokenizers that
 * add one), response = response text, + EOS when the response finished. One function for every
 * stage, so one response always gets one encoding, whether it is an SFT demonstration, a ranked
 * response in reward training, a reference sample in reward normalisation or a PPO rollout.
 *
 * <p>A sampled response keeps whether it ended: one that emitted EOS is scored with EOS, one cut
 * off at the length cap without, in training and in PPO alike. Appending EOS to a cut-off sample
 * would teach SFT to stop mid-word and would fit the reward head at a position PPO never shows it.
 *
 * <p>The reward model judges text, as the labeler did: a rollout's ids are decoded and re-encoded
 * here ({@link #forScoring}), so a sample the policy happened to spell with unusual tokens is read
 * exactly as the same text in a ranking is. The policy's own log-probabilities still use the ids it
 * sampled.
 *
 * <p>Truncation, for sequences longer than {@code maxLength}: the prompt loses tokens from its
 * start (BOS kept), since the text nearest the response matters most; if the response alone still
 * does not fit, it is cut at the end and loses its EOS (it did not end there). At least one prompt
 * token (BOS) always remains, because the first response token is predicted from it.
 */
public final class Examples {
  private static final Logger LOG = LoggerFactory.getLogger(Examples.class);

  private Examples() {}

  /**
   * One tokenized (prompt, response) pair.
   *
   * @param prompt the prompt's ids
   * @param response the response's ids
   * @param trained 1 on the response tokens the loss is taken on, 0 on context within the response
   *     (an environment's turns in an episode); null when every response token is trained
   */
  public record Example(int[] prompt, int[] response, double[] trained) {
    /** Validates. */
    public Example {
      checkArgument(
          trained == null || trained.length == response.length,
          "%s trained flags for %s response tokens",
          trained == null ? 0 : trained.length,
          response.length);
    }

    /** A pair whose whole response is trained. */
    public Example(int[] prompt, int[] response) {
      this(prompt, response, null);
    }

    /** The number of tokens the loss is taken on. */
    public int trainedTokens() {
      if (trained == null) {
        return response.length;
      }
      int n = 0;
      for (double t : trained) {
        n += t != 0 ? 1 : 0;
      }
      return n;
    }
  }

  /**
   * One demonstrated episode: BOS + prompt, then each turn's text encoded on its own (as a rollout
   * appends an environment's answer to the ids the policy sampled), the policy's turns followed by
   * EOS and trained, the environment's kept as context. Cut at {@code maxLength} tokens.
   */
  public static Example encode(Tokenizer tokenizer, EpisodeDemonstration episode, int maxLength) {
    int[] promptIds = tokenizer.encode(episode.prompt(), true);
    List<Integer> ids = new ArrayList<>();
    List<Double> trained = new ArrayList<>();
    for (EpisodeDemonstration.Turn turn : episode.turns()) {
      int[] part = segment(tokenizer, turn.text());
      for (int id : part) {
        ids.add(id);
        trained.add(turn.policy() ? 1.0 : 0.0);
      }
      if (turn.policy() && tokenizer.eosId().isPresent()) {
        ids.add(tokenizer.eosId().getAsInt());
        trained.add(1.0);
      }
    }
    int keep = Math.max(0, Math.min(ids.size(), maxLength - promptIds.length));
    checkArgument(keep > 0, "the episode's prompt alone fills maxLength (%s tokens)", maxLength);
    int[] response = new int[keep];
    double[] flags = new double[keep];
    for (int k = 0; k < keep; k++) {
      response[k] = ids.get(k);
      flags[k] = trained.get(k);
    }
    return new Example(promptIds, response, flags);
  }

  /**
   * The ids of one turn's text as an episode appends it after what came before: encoded alone,
   * without BOS. The rollout and episode SFT both use this, so a demonstrated turn and the same
   * turn in a rollout are the same ids.
   */
  public static int[] segment(Tokenizer tokenizer, String text) {
    return tokenizer.encode(text, false);
  }

  /** Tokenizes and truncates {@code demonstrations}. */
  public static List<Example> encode(
      List<Demonstration> demonstrations, Tokenizer tokenizer, int maxLength) {
    checkArgument(tokenizer.bosId().isPresent(), "training needs a tokenizer with a BOS token");
    List<Example> out = new ArrayList<>(demonstrations.size());
    for (Demonstration d : demonstrations) {
      out.add(encode(tokenizer, d.prompt(), d.response(), d.truncated(), maxLength));
    }
    return out;
  }

  /**
   * One (prompt, response) pair: BOS + prompt, response (+ EOS unless {@code truncated}), truncated
   * to {@code maxLength} tokens.
   */
  public static Example encode(
      Tokenizer tokenizer, String prompt, String response, boolean truncated, int maxLength) {
    int[] promptIds = tokenizer.encode(prompt, true);
    return truncate(promptIds, response(tokenizer, promptIds, response, !truncated), maxLength);
  }

  /**
   * The response ids a reward model reads for a sampled response: its text re-encoded as {@link
   * #encode} encodes the same text, with EOS exactly when the sample emitted it.
   */
  public static int[] forScoring(Tokenizer tokenizer, Generation generation) {
    int[] ids = generation.response();
    int end = generation.endedWithEos() ? ids.length - 1 : ids.length;
    String text = tokenizer.decode(Arrays.copyOf(ids, Math.max(0, end)));
    return response(tokenizer, generation.prompt(), text, generation.endedWithEos());
  }

  /** {@link #forScoring} for each generation. */
  public static List<int[]> forScoring(Tokenizer tokenizer, List<Generation> generations) {
    List<int[]> out = new ArrayList<>(generations.size());
    for (Generation g : generations) {
      out.add(forScoring(tokenizer, g));
    }
    return out;
  }

  /**
   * The response's tokens as they follow the prompt, + EOS when {@code finished}. Tokenizers with a
   * dummy prefix (sentencepiece) would start a separately encoded response with a space token;
   * encoding prompt + response and removing the prompt's tokens avoids that where the prompt's
   * tokens are a prefix. The prompt's text is taken from its ids, so a rollout, which only has ids,
   * gets exactly what a ranking of the same text gets.
   */
  static int[] response(Tokenizer tokenizer, int[] promptIds, String text, boolean finished) {
    int[] ids = inContext(tokenizer, tokenizer.decode(promptIds), text);
    if (finished && tokenizer.eosId().isPresent()) {
      ids = Arrays.copyOf(ids, ids.length + 1);
      ids[ids.length - 1] = tokenizer.eosId().getAsInt();
    }
    return ids;
  }

  private static int[] inContext(Tokenizer tokenizer, String prompt, String response) {
    if (prompt.isEmpty() || response.isEmpty()) {
      return tokenizer.encode(response, false);
    }
    int[] alone = tokenizer.encode(prompt, false);
    int[] joined = tokenizer.encode(prompt + response, false);
    if (joined.length > alone.length && Arrays.equals(Arrays.copyOf(joined, alone.length), alone)) {
      return Arrays.copyOfRange(joined, alone.length, joined.length);
    }
    return tokenizer.encode(response, false);
  }

  /**
   * Whether a prompt and its response, joined as they are trained (text after text, nothing
   * between), run into each other: the prompt ends in something other than white space and the
   * response starts with a letter or digit. {@code "in the park."} + {@code "Lily asked"} then
   * trains {@code [.][L][ily]} where the model would read {@code [ Lily]}.
   */
  public static boolean glued(String prompt, String response) {
    return !prompt.isEmpty()
        && !response.isEmpty()
        && !Character.isWhitespace(prompt.codePointBefore(prompt.length()))
        && Character.isLetterOrDigit(response.codePointAt(0));
  }

  /**
   * Logs one warning naming how many {@code demonstrations} are {@link #glued} and the first of
   * them, since the model then learns text nobody writes; training goes on (some tokenizers and
   * languages join text without spaces on purpose).
   */
  public static void warnIfGlued(List<Demonstration> demonstrations) {
    int count = 0;
    Demonstration first = null;
    for (Demonstration d : demonstrations) {
      if (glued(d.prompt(), d.response())) {
        count++;
        first = first == null ? d : first;
      }
    }
    if (count > 0) {
      String end = first.prompt().substring(Math.max(0, first.prompt().length() - 20));
      String start = first.response().substring(0, Math.min(20, first.response().length()));
      LOG.warn(
          "{} of {} demonstrations join prompt and response with nothing between (e.g. \"...{}\""
              + " + \"{}...\"): they are trained as one run of text; start responses with a"
              + " space (or end prompts with one) if the words should be apart",
          count,
          demonstrations.size(),
          end,
          start);
    }
  }

  /** Fits prompt + response into {@code maxLength} tokens by the policy in the class comment. */
  public static Example truncate(int[] prompt, int[] response, int maxLength) {
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
