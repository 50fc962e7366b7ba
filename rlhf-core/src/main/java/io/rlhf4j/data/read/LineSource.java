package io.rlhf4j.data.read;

import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.internal.io.InputFiles;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads a text file line by line for the record readers: transparent gzip (detected by its magic
 * bytes, not the file name; every member read, trailing garbage refused), strict UTF-8 per line
 * (malformed bytes are an error at their line, never a silent U+FFFD, and the next line still
 * reads), a leading byte-order mark skipped, a line-length limit in bytes, and 1-based line numbers
 * for every error.
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
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
  private final byte[] buffer = new byte[1 << 16];
  private int bufferPos;
  private int bufferLimit;
  private long lineNumber;
  private boolean eof;

  LineSource(Path file, int maxLineBytes) {
    this.file = file;
    this.maxLineBytes = maxLineBytes;
    InputStream raw = InputFiles.open(file);
    try {
      PushbackInputStream peek = new PushbackInputStream(raw, 2);
      byte[] magic = peek.readNBytes(2);
      peek.unread(magic);
      boolean gzip = magic.length == 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
      this.in = gzip ? new GzipMembers(peek) : peek;
    } catch (IOException e) {
      closeQuietly(raw);
      throw new DataFormatException(
          file, 1, null, "not a readable gzip file (" + e.getMessage() + ")", e);
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // Already failing with the more useful error.
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
    } catch (IOException e) {
      // Past the header, a failing read is a damaged file (truncated, bad CRC, trailing garbage):
      // located at the line being read, and final.
      eof = true;
      throw new DataFormatException(
          file, lineNumber, null, "file is truncated or corrupt (" + e.getMessage() + ")", e);
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
    // A UTF-8 byte-order mark opens many files exported on Windows; it is not part of the text.
    int from = lineNumber == 1 && startsWithBom(bytes, n) ? BOM.length : 0;
    try {
      return decoder.reset().decode(ByteBuffer.wrap(bytes, from, n - from)).toString();
    } catch (CharacterCodingException e) {
      throw new BadLineException(
          new DataFormatException(
              file, lineNumber, null, "not valid UTF-8 text (malformed byte sequence)", e));
    }
  }

  private static boolean startsWithBom(byte[] bytes, int length) {
    return length >= BOM.length && bytes[0] == BOM[0] && bytes[1] == BOM[1] && bytes[2] == BOM[2];
  }

  @Override
  public void close() {
    closeQuietly(in);
  }

  /**
   * Every member of a gzip file in turn, as zcat reads them, with anything after the last member an
   * error. The JDK's GZIPInputStream stops silently at a member whose header is corrupt, losing its
   * records; a single concatenated-members stream from commons-compress drops the bytes it had
   * already inflated in the read that meets the damage. Reading one member at a time delivers every
   * intact line first, so the error lands at the first line lost.
   */
  private static final class GzipMembers extends InputStream {
    private final BufferedInputStream base;
    private InputStream member;

    GzipMembers(InputStream raw) throws IOException {
      this.base = new BufferedInputStream(raw, 1 << 16);
      this.member = new GzipCompressorInputStream(base, false); // reads only its own member
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      while (true) {
        int n = member.read(buffer, offset, length);
        if (n >= 0) {
          return n;
        }
        base.mark(1);
        if (base.read() < 0) {
          return -1;
        }
        base.reset();
        member = new GzipCompressorInputStream(base, false); // throws on a bad header
      }
    }

    @Override
    public void close() throws IOException {
      base.close();
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
