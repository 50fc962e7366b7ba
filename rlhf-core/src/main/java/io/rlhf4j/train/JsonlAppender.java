package io.rlhf4j.train;

import io.rlhf4j.internal.json.JsonWriter;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * An append-only JSONL file the run's listeners write: opened for appending (a resumed run
 * continues it), each batch of lines flushed at once, so a crash loses at most what was being
 * written.
 */
final class JsonlAppender implements AutoCloseable {
  private final BufferedWriter out;

  JsonlAppender(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      this.out =
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file, e);
    }
  }

  /** Appends each value as one line of compact JSON, then flushes. */
  void append(List<?> lines) {
    try {
      for (Object line : lines) {
        out.write(JsonWriter.write(line));
        out.newLine();
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
