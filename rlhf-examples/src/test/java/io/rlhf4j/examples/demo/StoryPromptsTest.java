package io.rlhf4j.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoryPromptsTest {
  @TempDir Path dir;

  @Test
  void builtInSetIsDistinctOpenings() {
    assertThat(StoryPrompts.builtIn()).hasSize(120).doesNotHaveDuplicates();
    assertThat(StoryPrompts.builtIn()).contains("Once upon a time, Lily went to the park.");
  }

  @Test
  void fileGivesOnePromptPerNonBlankLine() throws Exception {
    Path f = Files.writeString(dir.resolve("p.txt"), "  One day\n\nTom had a dog. \n");
    assertThat(StoryPrompts.read(f)).containsExactly("One day", "Tom had a dog.");
    Path one = Files.writeString(dir.resolve("one.txt"), "only one\n\n");
    assertThatThrownBy(() -> StoryPrompts.read(one))
        .hasMessage(one + ":2: field 'prompt': need at least 2 prompts (one per line), got 1");
  }

  @Test
  void aBadByteIsReportedWithItsLine() throws Exception {
    Path f = dir.resolve("latin1.txt");
    Files.write(f, new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xe9, '\n', 'x', '\n'});
    assertThatThrownBy(() -> StoryPrompts.read(f))
        .hasMessage(f + ":2: field 'prompt': not valid UTF-8 text");
  }
}
