package io.rlhf4j.data.read;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (the real data beside the project) for tests; missing data fails loudly. */
final class SharedData {
  private SharedData() {}

  static Path path(String relative) {
    Path root = Path.of(System.getProperty("rlhf4j.shared", "../../shared"));
    Path p = root.resolve(relative);
    if (!Files.exists(p)) {
      throw new IllegalStateException(
          "shared data missing: " + p.toAbsolutePath() + " (the project expects ../shared)");
    }
    return p;
  }
}
