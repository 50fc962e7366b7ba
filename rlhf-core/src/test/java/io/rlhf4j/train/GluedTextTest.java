package io.rlhf4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When prompt and response run into each other as they are trained (one text, nothing between). */
class GluedTextTest {
  @Test
  void aWordRunningOnFromThePromptIsGluedASpaceOnEitherSideIsNot() {
    assertThat(Examples.glued("in the park.", "Lily asked")).isTrue();
    assertThat(Examples.glued("Tim and", "Sam played")).isTrue();
    assertThat(Examples.glued("in the park.", " Lily asked")).isFalse();
    assertThat(Examples.glued("in the park. ", "Lily asked")).isFalse();
    assertThat(Examples.glued("in the park.\n", "Lily asked")).isFalse();
    assertThat(Examples.glued("She said", ", then left.")).isFalse(); // punctuation may follow
    assertThat(Examples.glued("", "Lily")).isFalse();
    assertThat(Examples.glued("park.", "")).isFalse();
  }
}
