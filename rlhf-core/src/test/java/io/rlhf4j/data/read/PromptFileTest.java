package io.rlhf4j.data.read;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command reads a prompts file the same way: JSONL by its field, text by line. */
class PromptFileTest {
  @TempDir Path dir;

  @Test
  void jsonlGivesItsPromptFieldTextGivesLines() throws Exception {
    Path jsonl =
        Files.write(
            dir.resolve("p.jsonl"),
            List.of("{\"question\": \"Once upon\", \"x\": 1}", "{\"question\": \"Tim and\"}"));
    assertThat(PromptFile.open(jsonl, ReadOptions.strict(), "question").readAll())
        .containsExactly("Once upon", "Tim and");
    Path text = Files.write(dir.resolve("p.txt"), List.of("{\"question\": \"as text\"}", "b"));
    assertThat(PromptFile.open(text, ReadOptions.strict(), "question").readAll())
        .containsExactly("{\"question\": \"as text\"}", "b");
    assertThat(PromptFile.isJsonl(Path.of("a.jsonl.gz"))).isTrue();
    assertThat(PromptFile.isJsonl(Path.of("a.txt.gz"))).isFalse();
  }
}
