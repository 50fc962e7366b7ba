package io.rlhf4j.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  private static void fill(Path folder, String text) throws IOException {
    Files.writeString(folder.resolve("a.txt"), text);
    Files.createDirectories(folder.resolve("sub"));
    Files.writeString(folder.resolve("sub/b.txt"), text);
  }

  private static long entries(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.count();
    }
  }

  @Test
  void aFailedWriteLeavesThePreviousFolderWholeAndNoTemporary() throws IOException {
    Path folder = dir.resolve("ckpt");
    AtomicFiles.replaceFolder(folder, f -> fill(f, "one"));
    assertThatThrownBy(
            () ->
                AtomicFiles.replaceFolder(
                    folder,
                    f -> {
                      Files.writeString(f.resolve("a.txt"), "two");
                      throw new IOException("disk full");
                    }))
        .hasMessage("disk full");
    assertThat(folder.resolve("a.txt")).hasContent("one");
    assertThat(folder.resolve("sub/b.txt")).hasContent("one");
    assertThat(dir.resolve("ckpt.tmp")).doesNotExist();
    AtomicFiles.replaceFolder(folder, f -> fill(f, "three"));
    assertThat(folder.resolve("sub/b.txt")).hasContent("three");
    assertThat(entries(dir)).isEqualTo(1);
  }

  @Test
  void aCrashBetweenTheRenamesIsRepairedByRecover() throws IOException {
    Path folder = dir.resolve("ckpt");
    AtomicFiles.replaceFolder(folder, f -> fill(f, "one"));
    // The first rename happened (folder → folder.old), the second did not, and the new copy was
    // still being written.
    Files.move(folder, dir.resolve("ckpt.old"));
    Files.createDirectories(dir.resolve("ckpt.tmp"));
    assertThat(AtomicFiles.recover(folder)).isEqualTo(folder);
    assertThat(folder.resolve("a.txt")).hasContent("one");
    assertThat(entries(dir)).isEqualTo(1);
    // A crash after the second rename but before the old copy was deleted.
    Files.createDirectories(dir.resolve("ckpt.old"));
    AtomicFiles.recover(folder);
    assertThat(entries(dir)).isEqualTo(1);
    assertThat(folder.resolve("a.txt")).hasContent("one");
  }

  @Test
  void replacingAfterACrashBetweenTheRenamesKeepsGoing() throws IOException {
    Path folder = dir.resolve("ckpt");
    AtomicFiles.replaceFolder(folder, f -> fill(f, "one"));
    Files.move(folder, dir.resolve("ckpt.old"));
    AtomicFiles.replaceFolder(folder, f -> fill(f, "two"));
    assertThat(folder.resolve("a.txt")).hasContent("two");
    assertThat(entries(dir)).isEqualTo(1);
  }

  @Test
  void aFileWriteLeavesNoTemporaryAndAStrayOneIsOverwritten() throws IOException {
    Path file = dir.resolve("summary.json");
    // What a process killed mid-write leaves behind.
    Files.writeString(dir.resolve(".summary.json.tmp"), "{\"half");
    AtomicFiles.writeString(file, "{}\n");
    assertThat(file).hasContent("{}");
    assertThat(entries(dir)).isEqualTo(1);
    assertThatThrownBy(
            () ->
                AtomicFiles.write(
                    file,
                    out -> {
                      out.write('x');
                      throw new IOException("disk full");
                    }))
        .hasMessage("disk full");
    assertThat(file).hasContent("{}");
    assertThat(entries(dir)).isEqualTo(1);
  }

  @Test
  void writtenFilesGetTheSamePermissionsAsAnyOtherNewFile() throws IOException {
    Path reference = dir.resolve("plain.txt");
    try (OutputStream out = Files.newOutputStream(reference)) {
      out.write('x');
    }
    Path atomic = dir.resolve("atomic.txt");
    AtomicFiles.writeString(atomic, "x");
    Path folder = dir.resolve("folder");
    AtomicFiles.replaceFolder(folder, f -> AtomicFiles.writeString(f.resolve("w.txt"), "x"));
    Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);
    // The umask decides (0644 under the usual 022), never a fixed owner-only 0600.
    assertThat(Files.getPosixFilePermissions(atomic)).isEqualTo(expected);
    assertThat(Files.getPosixFilePermissions(folder.resolve("w.txt"))).isEqualTo(expected);
  }

  @Test
  void sweepRemovesEveryTemporaryAndPutsBackOrphanedOldFolders() throws IOException {
    Path run = dir.resolve("run");
    Files.createDirectories(run.resolve("round-1/ppo.tmp/policy"));
    Files.createDirectories(run.resolve("sft.old"));
    Files.writeString(run.resolve("sft.old/config.json"), "{}");
    Files.writeString(run.resolve("round-1/.rankings.jsonl.tmp"), "half");
    Files.writeString(run.resolve("round-1/rankings.jsonl"), "whole");
    AtomicFiles.sweep(run);
    assertThat(run.resolve("sft/config.json")).hasContent("{}");
    assertThat(run.resolve("sft.old")).doesNotExist();
    assertThat(run.resolve("round-1/ppo.tmp")).doesNotExist();
    assertThat(run.resolve("round-1/.rankings.jsonl.tmp")).doesNotExist();
    assertThat(run.resolve("round-1/rankings.jsonl")).hasContent("whole");
  }
}
