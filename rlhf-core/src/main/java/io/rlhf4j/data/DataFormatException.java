package io.rlhf4j.data;

import java.nio.file.Path;

/**
 * Input that cannot be read as the format promised. The message always names the file and, where
 * they are known, the 1-based line and the field, so a user can open the file at the exact spot.
 */
public final class DataFormatException extends RuntimeException {
  private final Path file;
  private final long line;
  private final String field;
  private final String problem;

  /**
   * @param file the file being read
   * @param line the 1-based line number, or 0 when the problem is not tied to a line
   * @param field the offending field, or null when the whole line is at fault
   * @param problem what is wrong, without the location
   */
  public DataFormatException(Path file, long line, String field, String problem) {
    this(file, line, field, problem, null);
  }

  /** As {@link #DataFormatException(Path, long, String, String)}, with a cause. */
  public DataFormatException(Path file, long line, String field, String problem, Throwable cause) {
    super(format(file, line, field, problem), cause);
    this.file = file;
    this.line = line;
    this.field = field;
    this.problem = problem;
  }

  private static String format(Path file, long line, String field, String problem) {
    StringBuilder sb = new StringBuilder().append(file);
    if (line > 0) {
      sb.append(':').append(line);
    }
    if (field != null) {
      sb.append(": field '").append(field).append('\'');
    }
    return sb.append(": ").append(problem).toString();
  }

  /** The file that was being read. */
  public Path file() {
    return file;
  }

  /** The 1-based line, or 0 when not tied to a line. */
  public long line() {
    return line;
  }

  /** The offending field, or null for a whole-line problem. */
  public String field() {
    return field;
  }

  /** The problem without its location. */
  public String problem() {
    return problem;
  }
}
