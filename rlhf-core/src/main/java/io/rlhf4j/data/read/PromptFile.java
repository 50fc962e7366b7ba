package io.rlhf4j.data.read;

import java.nio.file.Path;

/**
 * A prompts file, as every command that takes one reads it: a JSONL file ({@code .jsonl}, {@code
 * .json}, either gzipped) gives each record's prompt field; any other file gives one prompt per
 * line.
 */
public final class PromptFile {
  private PromptFile() {}

  /** Whether {@code file} is read as JSON records rather than as lines of text. */
  public static boolean isJsonl(Path file) {
    String name = file.getFileName().toString();
    if (name.endsWith(".gz")) {
      name = name.substring(0, name.length() - 3);
    }
    return name.endsWith(".jsonl") || name.endsWith(".json");
  }

  /**
   * The prompts of {@code file}.
   *
   * @param field the prompt's field in a JSONL file
   */
  public static RecordReader<String> open(Path file, ReadOptions options, String field) {
    return isJsonl(file)
        ? Jsonl.records(file, options, r -> r.string(field))
        : RecordReader.open(file, options, (f, line, text) -> text);
  }
}
