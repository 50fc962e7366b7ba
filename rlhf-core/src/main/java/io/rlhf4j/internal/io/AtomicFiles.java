package io.rlhf4j.internal.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Write-then-rename: a reader, or a resumed run after a crash or a power loss, sees either the old
 * file or the complete new one, never a torn write.
 *
 * <p>A file is written to {@code .NAME.tmp} beside it, forced to disk, renamed over {@code NAME},
 * and the folder is forced too so the rename itself survives a power loss. A folder is filled as
 * {@code NAME.tmp} and swapped in by two renames ({@code NAME → NAME.old}, {@code NAME.tmp →
 * NAME}). Temporary names are fixed, not random, so a rerun after a crash overwrites or removes
 * what the crash left instead of accumulating it. New files get the process's default permissions
 * (the umask), like any other file the process writes, so a serving process can read a saved
 * policy.
 */
public final class AtomicFiles {
  private static final String TEMP = ".tmp";
  private static final String OLD = ".old";

  private AtomicFiles() {}

  /** Writes to an output stream; may throw I/O errors. */
  @FunctionalInterface
  public interface StreamWriter {
    /** Writes the whole content to {@code out}. */
    void write(OutputStream out) throws IOException;
  }

  /** Fills a folder; may throw, in which case the folder being replaced is left untouched. */
  @FunctionalInterface
  public interface FolderWriter {
    /** Writes the new contents into {@code folder} (empty when called). */
    void write(Path folder) throws IOException;
  }

  /** Writes {@code text} as UTF-8 to {@code file} atomically. */
  public static void writeString(Path file, CharSequence text) throws IOException {
    write(file, out -> out.write(text.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** Writes {@code file} atomically and durably through {@code writer}. */
  public static void write(Path file, StreamWriter writer) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path temp = parent.resolve("." + file.getFileName() + TEMP);
    try {
      try (OutputStream out =
          new BufferedOutputStream(
              Files.newOutputStream(
                  temp,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.TRUNCATE_EXISTING,
                  StandardOpenOption.WRITE),
              1 << 16)) {
        writer.write(out);
      }
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      move(temp, file);
      syncFolder(parent);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Replaces {@code folder} as a unit: {@code writer} fills a sibling {@code folder.tmp}, then two
   * renames swap it in and the old copy is deleted. A crash while writing leaves the previous
   * folder as it was; a crash between the renames leaves only {@code folder.old}, which {@link
   * #recover} puts back.
   */
  public static void replaceFolder(Path folder, FolderWriter writer) throws IOException {
    Path parent = folder.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    recover(folder);
    Path temp = sibling(folder, TEMP);
    Path old = sibling(folder, OLD);
    deleteTree(temp);
    Files.createDirectories(temp);
    try {
      writer.write(temp);
      syncTree(temp);
    } catch (IOException | RuntimeException | Error e) {
      deleteTree(temp);
      throw e;
    }
    if (Files.exists(folder)) {
      deleteTree(old);
      Files.move(folder, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(temp, folder, StandardCopyOption.ATOMIC_MOVE);
    syncFolder(parent);
    deleteTree(old);
  }

  /**
   * Repairs what a crash inside {@link #replaceFolder} or {@link #write} left next to {@code path}:
   * a {@code path.old} with no {@code path} is renamed back (it is the last complete version), and
   * leftover temporaries are deleted. Call it before deciding whether {@code path} exists.
   *
   * @return {@code path}
   */
  public static Path recover(Path path) throws IOException {
    Path old = sibling(path, OLD);
    if (!Files.exists(path) && Files.isDirectory(old)) {
      Files.move(old, path, StandardCopyOption.ATOMIC_MOVE);
      syncFolder(path.toAbsolutePath().getParent());
    } else if (Files.exists(path)) {
      deleteTree(old);
    }
    deleteTree(sibling(path, TEMP));
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.deleteIfExists(parent.resolve("." + path.getFileName() + TEMP));
    }
    return path;
  }

  /** {@link #recover} for callers that cannot throw checked exceptions. */
  public static Path recovered(Path path) {
    try {
      return recover(path);
    } catch (IOException e) {
      throw InputFiles.unchecked(e);
    }
  }

  /**
   * Deletes every temporary a crashed write left anywhere below {@code root} ({@code .NAME.tmp}
   * files and {@code NAME.tmp} folders whose {@code NAME} this class would have written), and puts
   * back every {@code NAME.old} whose {@code NAME} is missing.
   */
  public static void sweep(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.endsWith(OLD) && Files.isDirectory(entry)) {
          recover(root.resolve(name.substring(0, name.length() - OLD.length())));
        }
      }
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (name.endsWith(TEMP)) {
          deleteTree(entry);
        } else if (Files.isDirectory(entry)) {
          sweep(entry);
        }
      }
    }
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

  private static Path sibling(Path path, String suffix) {
    return path.resolveSibling(path.getFileName() + suffix);
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  // Files inside a folder about to be renamed into place: each forced, then the folders.
  private static void syncTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.toList()) {
        if (Files.isRegularFile(p)) {
          try (FileChannel channel = FileChannel.open(p, StandardOpenOption.WRITE)) {
            channel.force(true);
          }
        } else {
          syncFolder(p);
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * Forces a folder's entries (renames, creations) to disk. Linux and macOS allow opening a folder
   * for this; where the platform refuses (Windows), its file system orders metadata itself.
   */
  static void syncFolder(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not supported here: nothing more can be done from Java.
    }
  }
}
