package io.rlhf4j.djl.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import io.rlhf4j.djl.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
  @TempDir Path dir;

  private static final List<String> TEXTS =
      List.of(
          "Once upon a time",
          "Hello world! The quick brown fox jumps over the lazy dog.",
          "Lily said, \"I'm happy!\"  Two  spaces,\ttab and\nnewline.",
          "café, naïve, 日本語, emoji 😀 and ☃",
          " leading space",
          "numbers 12345 and 3.14");

  private static Llama2cTokenizer stories() {
    return Llama2cTokenizer.load(TestModels.stories().resolve("tok512.bin"), 512);
  }

  @Test
  void llama2cEncodesTheKnownIds() {
    assertThat(stories().encode("Once upon a time", true)).containsExactly(1, 403, 407, 261, 378);
  }

  @Test
  void llama2cRoundTripsTextIncludingByteFallback() {
    Llama2cTokenizer tok = stories();
    for (String text : TEXTS) {
      assertThat(tok.decode(tok.encode(text, true))).isEqualTo(text);
    }
    // 日 (E6 97 A5) is outside the 512-token vocabulary: dummy-prefix space, then byte tokens.
    int[] ids = tok.encode("日", false);
    assertThat(ids).endsWith(3 + 0xE6, 3 + 0x97, 3 + 0xA5);
  }

  @Test
  void gpt2EncodesTheKnownIds() {
    Gpt2Tokenizer tok = Gpt2Tokenizer.load(TestModels.shared("tokenizers/gpt2"));
    assertThat(tok.encode("Hello world! The quick brown fox jumps over the lazy dog.", false))
        .containsExactly(15496, 995, 0, 383, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13);
    assertThat(tok.vocabSize()).isEqualTo(50257);
    assertThat(tok.eosId()).hasValue(50256);
    for (String text : TEXTS) {
      assertThat(tok.decode(tok.encode(text, false))).isEqualTo(text);
    }
  }

  @Test
  void exportedLlama2cTokenizerJsonAgreesWithHuggingFaceTokenizers() throws IOException {
    Llama2cTokenizer tok = stories();
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, tok.tokenizerJson());
    // The exported file is run by the Rust tokenizers library: an independent implementation.
    try (HfTokenizer hf = HfTokenizer.load(file, 512, 1, 2)) {
      for (String text : TEXTS) {
        assertThat(hf.encode(text, true)).as(text).containsExactly(tok.encode(text, true));
        assertThat(hf.decode(tok.encode(text, true))).as(text).isEqualTo(text);
      }
    }
  }

  @Test
  void llama2cMergesMatchHuggingFaceTokenizersOnLongRealDialogues() throws IOException {
    Llama2cTokenizer tok = stories();
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, tok.tokenizerJson());
    List<io.rlhf4j.data.Comparison> pairs =
        io.rlhf4j.data.read.HhRlhf.comparisons(
                TestModels.shared("data/hh-rlhf/helpful-online-test.jsonl.gz"),
                io.rlhf4j.data.read.ReadOptions.strict())
            .readAll()
            .subList(0, 200);
    try (HfTokenizer hf = HfTokenizer.load(file, 512, 1, 2)) {
      for (io.rlhf4j.data.Comparison c : pairs) {
        String text = c.prompt() + c.chosen();
        assertThat(tok.encode(text, true)).containsExactly(hf.encode(text, true));
      }
    }
  }

  @Test
  void exportedGpt2TokenizerJsonAgreesWithHuggingFaceTokenizers() throws IOException {
    Gpt2Tokenizer tok = Gpt2Tokenizer.load(TestModels.shared("tokenizers/gpt2"));
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, tok.tokenizerJson());
    try (HfTokenizer hf = HfTokenizer.load(file, 50257, 50256, 50256)) {
      for (String text : TEXTS) {
        assertThat(hf.encode(text, false)).as(text).containsExactly(tok.encode(text, false));
        assertThat(hf.decode(tok.encode(text, false))).as(text).isEqualTo(text);
      }
    }
  }
}
