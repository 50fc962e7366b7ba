package io.rlhf4j.examples.demo;

import io.rlhf4j.data.DataFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Story openings in the style of TinyStories, the corpus stories260K was trained on: the built-in
 * set crosses names with first sentences; a file gives one prompt per line instead.
 */
public final class StoryPrompts {
  private StoryPrompts() {}

  private static final String[] NAMES = {
    "Lily", "Tom", "Sue", "Ben", "Mia", "Max", "Anna", "Tim", "Lucy", "Sam", "Emma", "Jack"
  };

  private static final String[] OPENINGS = {
    "Once upon a time, %s went to the park.",
    "%s had a big red ball.",
    "One day, %s saw a little bird.",
    "%s was sad because it was raining.",
    "%s found a box in the garden.",
    "%s and Mom went to the shop.",
    "%s wanted to fly a kite.",
    "%s lost a toy in the grass.",
    "%s saw a dog at the pond.",
    "It was a sunny day and %s went outside."
  };

  /** The 120 built-in openings. */
  public static List<String> builtIn() {
    List<String> out = new ArrayList<>();
    for (String opening : OPENINGS) {
      for (String name : NAMES) {
        out.add(String.format(opening, name));
      }
    }
    return out;
  }

  /**
   * One prompt per non-blank line of a UTF-8 text file.
   *
   * @throws DataFormatException when a line is not UTF-8 or the file has fewer than two prompts
   */
  public static List<String> read(Path file) throws IOException {
    List<String> lines = lines(file);
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      if (!line.isBlank()) {
        out.add(line.strip());
      }
    }
    if (out.size() < 2) {
      throw new DataFormatException(
          file,
          Math.max(1, lines.size()),
          "prompt",
          "need at least 2 prompts (one per line), got " + out.size());
    }
    return out;
  }

  // Strict UTF-8 line by line, so a bad byte is reported with its line number.
  private static List<String> lines(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    List<String> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= bytes.length; i++) {
      if (i == bytes.length || bytes[i] == '\n') {
        if (i == bytes.length && start == i) {
          break;
        }
        try {
          lines.add(
              StandardCharsets.UTF_8
                  .newDecoder()
                  .decode(ByteBuffer.wrap(bytes, start, i - start))
                  .toString());
        } catch (CharacterCodingException e) {
          throw new DataFormatException(
              file, lines.size() + 1, "prompt", "not valid UTF-8 text", e);
        }
        start = i + 1;
      }
    }
    return lines;
  }
}
