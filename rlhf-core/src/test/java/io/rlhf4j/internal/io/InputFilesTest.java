package io.rlhf4j.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {
  @TempDir Path dir;

  @Test
  void missingFileAndFolderAreNamedWithTheProblem() {
    Path missing = dir.resolve("nope.jsonl");
    assertThatThrownBy(() -> InputFiles.open(missing))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage(missing + ": no such file or folder");
    assertThatThrownBy(() -> InputFiles.open(dir)).hasMessage(dir + ": is a directory");
  }

  @Test
  void unreadableFileSaysPermissionDenied() throws IOException {
    Path secret = dir.resolve("secret.jsonl");
    Files.writeString(secret, "{}\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("-w-------"));
    // root reads anything; the message is then not reachable, and the check says so.
    boolean readable = Files.isReadable(secret);
    if (readable) {
      assertThat(InputFiles.open(secret)).isNotNull();
    } else {
      assertThatThrownBy(() -> InputFiles.open(secret)).hasMessage(secret + ": permission denied");
    }
    assertThat(InputFiles.describe(new java.nio.file.AccessDeniedException(secret.toString())))
        .isEqualTo(secret + ": permission denied");
  }

  @Test
  void readUtf8RefusesMalformedBytes() throws IOException {
    Path bad = dir.resolve("config.json");
    Files.write(bad, new byte[] {'{', (byte) 0xC3, '}'});
    assertThatThrownBy(() -> InputFiles.readUtf8(bad)).hasMessageContaining("not valid UTF-8");
    Files.writeString(bad, "{\"é\": 1}");
    assertThat(InputFiles.readUtf8(bad)).isEqualTo("{\"é\": 1}");
  }
}
