package io.rlhf4j.data.read;

import io.rlhf4j.data.DataFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams the records of a line-oriented file, one record per non-blank line. Holds one line in
 * memory at a time. Close it (or exhaust it through {@link #readAll}) to release the file.
 *
 * <p>In strict mode the first bad record throws a {@link DataFormatException} naming file, line and
 * field. In skip mode bad records are counted in {@link #report()} and logged at WARN.
 *
 * @param <T> the record type
 */
public final class RecordReader<T> implements Iterator<T>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecordReader.class);

  /** Parses one line; throws {@link DataFormatException} for a bad record. */
  @FunctionalInterface
  public interface LineParser<T> {
    /**
     * @param file the file, for error messages
     * @param line the 1-based line number, for error messages
     * @param text the line's text without terminator
     */
    T parse(Path file, long line, String text);
  }

  private final LineSource source;
  private final LineParser<T> parser;
  private final ReadOptions options;
  private final ReadReport report = new ReadReport();
  private T next;
  private long nextLine;
  private long recordLine;
  private boolean closed;

  RecordReader(Path file, ReadOptions options, LineParser<T> parser) {
    this.source = new LineSource(file, options.maxLineBytes());
    this.parser = parser;
    this.options = options;
  }

  /** Opens {@code file} for records parsed by {@code parser}. */
  public static <T> RecordReader<T> open(Path file, ReadOptions options, LineParser<T> parser) {
    return new RecordReader<>(file, options, parser);
  }

  @Override
  public boolean hasNext() {
    while (next == null && !closed) {
      String line;
      try {
        line = source.next();
      } catch (LineSource.BadLineException e) {
        handle(e.problem);
        continue;
      }
      if (line == null) {
        close();
        return false;
      }
      if (line.isBlank()) {
        continue;
      }
      try {
        next = parser.parse(source.file(), source.lineNumber(), line);
        report.accept();
        nextLine = source.lineNumber();
      } catch (DataFormatException e) {
        handle(e);
      } catch (IllegalArgumentException e) {
        // A record type's own validation (a Ranking's ranks, a margin) is a problem of this line
        // too: located like any other, and skippable.
        handle(
            new DataFormatException(source.file(), source.lineNumber(), null, e.getMessage(), e));
      }
    }
    return next != null;
  }

  private void handle(DataFormatException problem) {
    if (!options.skipInvalid()) {
      close();
      throw problem;
    }
    report.skip(problem);
    LOG.warn("skipping record: {}", problem.getMessage());
  }

  @Override
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    T value = next;
    next = null;
    recordLine = nextLine;
    return value;
  }

  /** The remaining records as a sequential stream; closing the stream closes the file. */
  public Stream<T> stream() {
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(this::close);
  }

  /** Reads every remaining record into a list and closes the file. */
  public List<T> readAll() {
    List<T> all = new ArrayList<>();
    try (this) {
      while (hasNext()) {
        all.add(next());
      }
    }
    return all;
  }

  /**
   * Reads every remaining record without keeping any, and closes the file: validation in constant
   * memory, whatever the file's size.
   *
   * @return the complete report
   */
  public ReadReport validate() {
    try (this) {
      while (hasNext()) {
        next();
      }
    }
    return report;
  }

  /** The 1-based line of the record {@link #next} returned last (0 before the first). */
  public long lineNumber() {
    return recordLine;
  }

  /** Counts so far; complete once the reader is exhausted. */
  public ReadReport report() {
    return report;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      source.close();
    }
  }
}
