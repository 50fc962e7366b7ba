package io.rlhf4j.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The rater's rule worked by hand on a few stories. */
class StoryRaterTest {
  @Test
  void friendCheerAndHappyEnding() {
    // friend +1; cheerful: friend, played, happy = 3 → 0.75; last finished sentence "They were
    // happy." is cheerful → 0.5; no trigram repeats; finished → 2.25.
    String story = " Lily met a friend. They played ball. They were happy.";
    assertThat(StoryRater.score("", story)).isCloseTo(2.25, within(1e-12));
    // Cut off after it: the fragment does not count as the ending, but the story is unfinished.
    assertThat(StoryRater.score("", story + " Then the")).isCloseTo(1.75, within(1e-12));
  }

  @Test
  void sadEndingAndNoFriend() {
    // cheerful: "fun" = 0.25; last finished sentence "Then it rained." is not cheerful.
    assertThat(StoryRater.score("", " It was fun. Then it rained.")).isCloseTo(0.25, within(1e-12));
    assertThat(StoryRater.score("", "")).isZero();
    // No sentence ever finishes: unfinished.
    assertThat(StoryRater.score("", " no sentence ends here")).isCloseTo(-0.5, within(1e-12));
  }

  @Test
  void repetitionIsPenalised() {
    // "happy friend happy friend happy friend": 4 trigrams, 2 seen before → repetition 0.5.
    // friend +1, cheerful 6 → capped 4 → 1.0, no finished sentence (−0.5); 2 − 1 − 0.5 = 0.5.
    String spam = "happy friend happy friend happy friend";
    assertThat(StoryRater.repetition(StoryRater.words(spam))).isCloseTo(0.5, within(1e-12));
    assertThat(StoryRater.score("", spam)).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void aDemonstrationKeepsTheFinishedSentences() {
    assertThat(StoryRater.finishedPart(" Lily ran. She was happy! Then she cre"))
        .isEqualTo(" Lily ran. She was happy!");
    assertThat(StoryRater.finishedPart(" \"Hi!\" said Tom. \"Let's play.\" And"))
        .isEqualTo(" \"Hi!\" said Tom. \"Let's play.\"");
    assertThat(StoryRater.finishedPart(" no stop at all")).isEmpty();
  }
}
