package io.rlhf4j.djl;

import java.util.Arrays;
import java.util.Set;

/** A simulated rater for tests: it likes cheerful words. Its taste is hidden from the models. */
public final class CheerfulRater {
  private CheerfulRater() {}

  /** The words it likes. */
  public static final Set<String> CHEERFUL =
      Set.of(
          "happy", "fun", "friend", "friends", "smiled", "smile", "laughed", "love", "loved",
          "play", "played");

  /** Prompt openings for stories260K. */
  public static final String[] STARTS = {
    "Once upon a time", "Lily", "Tom had a", "One day", "The sun", "Sue and Ben"
  };

  /** The number of cheerful words in {@code response}. */
  public static double score(String prompt, String response) {
    return Arrays.stream(response.toLowerCase().split("[^a-z]+"))
        .filter(CHEERFUL::contains)
        .count();
  }
}
