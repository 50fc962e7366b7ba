package io.rlhf4j.internal.json;

/** Malformed JSON text; {@link #column()} is 1-based within the parsed text. */
public final class JsonParseException extends RuntimeException {
  private final int column;

  JsonParseException(String message, int column) {
    super(message + " at column " + column);
    this.column = column;
  }

  /** The 1-based character column where parsing failed. */
  public int column() {
    return column;
  }
}
