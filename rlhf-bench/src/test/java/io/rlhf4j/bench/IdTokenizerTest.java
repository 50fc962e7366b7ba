package io.rlhf4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.rlhf4j.djl.tokenize.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdTokenizerTest {
  @TempDir Path dir;

  /** Hugging Face's tokenizer (through DJL) reads the exported vocabulary as the ids it names. */
  @Test
  void itsTokenizerJsonEncodesAsItDoes() throws Exception {
    IdTokenizer ids = new IdTokenizer(1000);
    Path file = Files.writeString(dir.resolve("tokenizer.json"), ids.tokenizerJson());

    try (HfTokenizer hf = HfTokenizer.load(file, 1000, -1, -1)) {
      String text = ids.decode(new int[] {3, 999, 0, 42});
      assertThat(hf.encode(text, false)).containsExactly(3, 999, 0, 42);
      assertThat(hf.encode(text, false)).containsExactly(ids.encode(text, false));
    }
  }
}
