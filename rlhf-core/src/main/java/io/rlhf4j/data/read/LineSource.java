package io.rlhf4j.data.read;

import io.rlhf4j.data.DataFormatException;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a text file line by line for the record readers: transparent gzip (detected by its magic
 * bytes, not the file name), strict UTF-8 per line (malformed bytes are an error at their line,
 * never a silent U+FFFD, and the next line still reads), a line-length limit in bytes, and 1-based
 * line numbers for every error.
 */
final class LineSource implements Closeable {
  private final Path file;
  private final InputStream in;
  private final int maxLineBytes;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final byte[] buffer = new byte[1 << 16];
  private int bufferPos;
  private int bufferLimit;
  private long lineNumber;
  private boolean eof;

  LineSource(Path file, int maxLineBytes) {
    this.file = file;
    this.maxLineBytes = maxLineBytes;
    try {
      PushbackInputStream raw = new PushbackInputStream(Files.newInputStream(file), 2);
      byte[] magic = raw.readNBytes(2);
      raw.unread(magic);
      boolean gzip = magic.length == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
      this.in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
    }
  }

  Path file() {
    return file;
  }

  /** The 1-based number of the line last returned by {@link #next}. */
  long lineNumber() {
    return lineNumber;
  }

  /**
   * The next line without its terminator ({@code \n} or {@code \r\n}), or null at end of file.
   *
   * @throws BadLineException when the line is too long or not UTF-8; the line has been consumed, so
   *     reading can go on with the next one
   * @throws DataFormatException when the file itself is truncated or corrupt (gzip)
   */
  String next() {
    if (eof) {
      return null;
    }
    ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    boolean tooLong = false;
    boolean sawAny = false;
    lineNumber++;
    try {
      while (true) {
        if (bufferPos == bufferLimit) {
          bufferLimit = in.read(buffer);
          bufferPos = 0;
          if (bufferLimit <= 0) {
            bufferLimit = 0;
            eof = true;
            break;
          }
        }
        sawAny = true;
        int start = bufferPos;
        while (bufferPos < bufferLimit && buffer[bufferPos] != '\n') {
          bufferPos++;
        }
        int len = bufferPos - start;
        if (!tooLong && line.size() + len > maxLineBytes) {
          tooLong = true;
          line.reset();
        }
        if (!tooLong) {
          line.write(buffer, start, len);
        }
        if (bufferPos < bufferLimit) {
          bufferPos++; // the '\n'
          break;
        }
      }
    } catch (EOFException | ZipException e) {
      eof = true;
      throw new DataFormatException(
          file, lineNumber, null, "file is truncated or corrupt (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException("error reading " + file + " at line " + lineNumber, e);
    }
    if (eof && !sawAny) {
      lineNumber--;
      return null;
    }
    if (tooLong) {
      throw new BadLineException(
          new DataFormatException(
              file,
              lineNumber,
              null,
              "line is longer than "
                  + maxLineBytes
                  + " bytes (ReadOptions.maxLineBytes); refusing to buffer it"));
    }
    byte[] bytes = line.toByteArray();
    int n = bytes.length;
    if (n > 0 && bytes[n - 1] == '\r') {
      n--;
    }
    try {
      return decoder.reset().decode(ByteBuffer.wrap(bytes, 0, n)).toString();
    } catch (CharacterCodingException e) {
      throw new BadLineException(
          new DataFormatException(
              file, lineNumber, null, "not valid UTF-8 text (malformed byte sequence)", e));
    }
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A bad line that has been consumed; reading can go on, unlike a corrupt file. */
  static final class BadLineException extends RuntimeException {
    final DataFormatException problem;

    BadLineException(DataFormatException problem) {
      super(problem.getMessage(), problem);
      this.problem = problem;
    }
  }
}
