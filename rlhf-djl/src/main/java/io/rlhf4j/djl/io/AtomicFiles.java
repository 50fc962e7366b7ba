package io.rlhf4j.djl.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Write-then-rename: a reader, or a resumed run after a crash, sees either the old file or the
 * complete new one, never a torn write.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes {@code text} as UTF-8 to {@code file} atomically. */
  public static void writeString(Path file, String text) throws IOException {
    write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Fills a folder; may throw, in which case the folder being replaced is left untouched. */
  @FunctionalInterface
  public interface FolderWriter {
    /** Writes the new contents into {@code folder} (empty when called). */
    void write(Path folder) throws IOException;
  }

  /**
   * Replaces {@code folder} as a unit: {@code writer} fills a sibling {@code folder.tmp}, then two
   * renames swap it in ({@code folder → folder.old}, {@code folder.tmp → folder}) and the old copy
   * is deleted. A crash while writing leaves the previous folder as it was; a crash between the
   * renames leaves only {@code folder.old}, which {@link #recovered} finds.
   */
  public static void replaceFolder(Path folder, FolderWriter writer) throws IOException {
    Path parent = folder.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temp = parent.resolve(folder.getFileName() + ".tmp");
    Path old = parent.resolve(folder.getFileName() + ".old");
    deleteTree(temp);
    Files.createDirectories(temp);
    writer.write(temp);
    if (Files.exists(folder)) {
      deleteTree(old);
      Files.move(folder, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(temp, folder, StandardCopyOption.ATOMIC_MOVE);
    deleteTree(old);
  }

  /**
   * The folder to read: {@code folder} itself, or its {@code .old} copy when a crash fell between
   * the two renames of {@link #replaceFolder}.
   */
  public static Path recovered(Path folder) {
    Path old = folder.resolveSibling(folder.getFileName() + ".old");
    return !Files.exists(folder) && Files.exists(old) ? old : folder;
  }

  /** Deletes a folder and everything below it; nothing when it does not exist. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  static void write(Path file, Safetensors.StreamWriter writer) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
        writer.write(out);
      }
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
