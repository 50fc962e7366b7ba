package io.rlhf4j.djl.tensor;

import java.nio.file.Path;

/**
 * A model or tokenizer file that is missing, truncated, of an unknown kind, or inconsistent with
 * its config. The message names the file and, where one is at fault, the tensor.
 */
public final class ModelFormatException extends RuntimeException {
  private final Path file;

  /** A problem with {@code file} as a whole. */
  public ModelFormatException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  /** A problem with {@code file}, caused by {@code cause}. */
  public ModelFormatException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
  }

  /** A problem with one tensor of {@code file}. */
  public static ModelFormatException tensor(Path file, String tensor, String problem) {
    return new ModelFormatException(file, "tensor '" + tensor + "': " + problem);
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }
}
