package io.rlhf4j.examples.demo;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The demo's simulated rater. Its taste is hidden from every model: it likes stories that mention a
 * friend, are cheerful, and whose last finished sentence is a happy one; it dislikes stories that
 * repeat themselves or stop mid-sentence. A reward model only ever sees its noisy rankings of K
 * samples, never this code.
 *
 * <p>The repetition penalty is the part a reward model fit on ordinary samples rarely learns,
 * because ordinary samples seldom repeat: a policy pushed hard against that reward model with too
 * little KL penalty finds "happy happy friend friend" and the hidden score falls while the learned
 * reward still rises (the over-optimisation of Gao et al. 2022).
 *
 * <pre>
 * score = 1·[mentions a friend] + 0.25·min(cheerful words, 4) + 0.5·[last sentence cheerful]
 *         − 2·(share of repeated word trigrams) − 0.5·[stops mid-sentence]
 * </pre>
 *
 * <p>"Stops mid-sentence" means words follow the last full stop, as when a sample is cut off at the
 * length cap; a story that ends, ends with a finished sentence. Whether a response ended is what
 * the truncation flag carries through the pipeline, so this part of the taste is learnable only if
 * the reward model reads finished and cut-off responses the way PPO presents them.
 */
public final class StoryRater {
  private StoryRater() {}

  /** Words the rater finds cheerful. */
  public static final Set<String> CHEERFUL =
      Set.of(
          "happy", "glad", "fun", "smile", "smiled", "smiles", "laugh", "laughed", "love", "loved",
          "hug", "hugged", "play", "played", "kind", "nice", "friend", "friends", "best");

  /** The hidden score of {@code response} (the prompt does not matter to this rater). */
  public static double score(String prompt, String response) {
    List<String> words = words(response);
    if (words.isEmpty()) {
      return 0;
    }
    double friend = words.stream().anyMatch(w -> w.startsWith("friend")) ? 1 : 0;
    long cheerful = words.stream().filter(CHEERFUL::contains).count();
    double ending = words(lastSentence(response)).stream().anyMatch(CHEERFUL::contains) ? 0.5 : 0;
    double unfinished = words(afterLastSentence(response)).isEmpty() ? 0 : 0.5;
    return friend + 0.25 * Math.min(cheerful, 4) + ending - 2 * repetition(words) - unfinished;
  }

  /**
   * The text up to and including its last finished sentence (a closing quote after the stop
   * included): what the rater keeps of a sample when it writes a demonstration. Empty when no
   * sentence has finished.
   */
  public static String finishedPart(String text) {
    int end = lastStop(text);
    if (end < 0) {
      return "";
    }
    int cut = end + 1;
    if (cut < text.length() && text.charAt(cut) == '"') {
      cut++;
    }
    return text.substring(0, cut);
  }

  // What follows the last finished sentence: a fragment when the text was cut off.
  static String afterLastSentence(String text) {
    return text.substring(finishedPart(text).length());
  }

  private static int lastStop(String text) {
    return Math.max(text.lastIndexOf('.'), Math.max(text.lastIndexOf('!'), text.lastIndexOf('?')));
  }

  /** The share of word trigrams that already occurred earlier in the text, in [0, 1). */
  public static double repetition(List<String> words) {
    if (words.size() < 3) {
      return 0;
    }
    Set<String> seen = new HashSet<>();
    int repeated = 0;
    int total = words.size() - 2;
    for (int i = 0; i < total; i++) {
      if (!seen.add(words.get(i) + ' ' + words.get(i + 1) + ' ' + words.get(i + 2))) {
        repeated++;
      }
    }
    return (double) repeated / total;
  }

  /** Lower-case words of letters only. */
  public static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    for (String w : text.toLowerCase(Locale.ROOT).split("[^a-z]+")) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  // The last sentence that ends in . ! or ? (a cut-off fragment after it does not count); the
  // empty string when no sentence has ended.
  static String lastSentence(String text) {
    int end = lastStop(text);
    if (end < 0) {
      return "";
    }
    int start = -1;
    for (int i = end - 1; i >= 0; i--) {
      char c = text.charAt(i);
      if (c == '.' || c == '!' || c == '?') {
        start = i;
        break;
      }
    }
    return text.substring(start + 1, end + 1);
  }
}
