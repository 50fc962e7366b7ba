package io.rlhf4j.djl.io;

import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.internal.io.InputFiles;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A JSON file of a model folder ({@code config.json}, {@code generation_config.json}, a sharded
 * index, an adapter's config) read as untrusted input: every failure is a {@link
 * ModelFormatException} naming the file, and a parse error gives the position only, never the
 * file's bytes.
 */
final class ModelJson {
  private ModelJson() {}

  static Map<String, Object> read(Path file) {
    try {
      return Json.parseObject(InputFiles.readUtf8(file));
    } catch (NoSuchFileException e) {
      throw new ModelFormatException(file, "file not found");
    } catch (IOException e) {
      throw new ModelFormatException(file, "cannot read: " + InputFiles.describe(e), e);
    } catch (JsonParseException e) {
      throw new ModelFormatException(file, "invalid JSON at column " + e.column());
    }
  }
}
