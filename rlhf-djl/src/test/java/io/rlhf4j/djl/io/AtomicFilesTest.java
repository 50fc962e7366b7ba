package io.rlhf4j.djl.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  private static void fill(Path folder, String text) throws IOException {
    Files.writeString(folder.resolve("a.txt"), text);
    Files.createDirectories(folder.resolve("sub"));
    Files.writeString(folder.resolve("sub/b.txt"), text);
  }

  @Test
  void aFailedWriteLeavesThePreviousFolderWhole() throws IOException {
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
    AtomicFiles.replaceFolder(folder, f -> fill(f, "three"));
    assertThat(folder.resolve("sub/b.txt")).hasContent("three");
    assertThat(dir.resolve("ckpt.tmp")).doesNotExist();
    assertThat(dir.resolve("ckpt.old")).doesNotExist();
  }

  @Test
  void aCrashBetweenTheRenamesIsRecovered() throws IOException {
    Path folder = dir.resolve("ckpt");
    AtomicFiles.replaceFolder(folder, f -> fill(f, "one"));
    // The first rename happened (folder → folder.old), the second did not.
    Files.move(folder, dir.resolve("ckpt.old"));
    assertThat(AtomicFiles.recovered(folder)).isEqualTo(dir.resolve("ckpt.old"));
    assertThat(AtomicFiles.recovered(folder).resolve("a.txt")).hasContent("one");
    AtomicFiles.replaceFolder(folder, f -> fill(f, "two"));
    assertThat(AtomicFiles.recovered(folder)).isEqualTo(folder);
    assertThat(folder.resolve("a.txt")).hasContent("two");
    assertThat(dir.resolve("ckpt.old")).doesNotExist();
  }
}
