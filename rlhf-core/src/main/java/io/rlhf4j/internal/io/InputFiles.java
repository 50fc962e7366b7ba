package io.rlhf4j.internal.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Opens input files with errors a person can act on: {@code data.jsonl: no such file}, {@code
 * data.jsonl: permission denied}, {@code data: is a directory}. The JDK reports a directory only at
 * the first read and a permission problem as the bare path; these checks name both up front.
 */
public final class InputFiles {
  private InputFiles() {}

  /**
   * Opens {@code file} for reading.
   *
   * @throws UncheckedIOException whose message is {@code FILE: problem}
   */
  public static InputStream open(Path file) {
    if (Files.isDirectory(file)) {
      throw unchecked(new FileSystemException(file.toString(), null, "is a directory"));
    }
    try {
      return Files.newInputStream(file);
    } catch (IOException e) {
      throw unchecked(e);
    }
  }

  /** The whole of {@code file} as strict UTF-8; malformed bytes are an error, never U+FFFD. */
  public static String readUtf8(Path file) throws IOException {
    if (Files.isDirectory(file)) {
      throw new FileSystemException(file.toString(), null, "is a directory");
    }
    byte[] bytes = Files.readAllBytes(file);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new FileSystemException(file.toString(), null, "is not valid UTF-8 text");
    }
  }

  /** {@code e} as an unchecked exception whose message is {@link #describe}. */
  public static UncheckedIOException unchecked(IOException e) {
    return new UncheckedIOException(describe(e), e);
  }

  /**
   * One line for an I/O failure: {@code FILE: problem}, with the JDK's exception types turned into
   * words (a bare {@link AccessDeniedException} message is only the path).
   */
  public static String describe(IOException e) {
    if (e instanceof NoSuchFileException n) {
      return n.getFile() + ": no such file or folder";
    }
    if (e instanceof AccessDeniedException a) {
      return a.getFile() + ": permission denied";
    }
    if (e instanceof FileSystemException f && f.getFile() != null) {
      String reason = f.getReason() == null ? "cannot access" : f.getReason();
      return f.getFile()
          + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile())
          + ": "
          + reason.toLowerCase(java.util.Locale.ROOT);
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
