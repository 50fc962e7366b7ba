package io.rlhf4j.djl.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.Generator;
import io.rlhf4j.djl.io.HfConfig;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BOS and EOS exactly as the model's own tokenizer and generation config say, as transformers
 * applies them. The fixtures carry each family's layout from its real files: Llama 3's
 * tokenizer.json post-processor (a ByteLevel step, then a template putting {@code
 * <|begin_of_text|>} first) with {@code tokenizer_class: PreTrainedTokenizerFast}; Qwen2.5's
 * (ByteLevel only, {@code add_bos_token: false}, {@code bos_token: null}) with Qwen2TokenizerFast;
 * a Llama 2 tokenizer class with {@code add_bos_token: false}; GPT-2's vocab.json and merges. The
 * vocabulary is a small word-level one, since only the special tokens around the text are in
 * question.
 */
class SpecialTokensTest {
  @TempDir Path dir;

  private static final String VOCAB =
      "{\"<|begin_of_text|>\":0,\"<|end_of_text|>\":1,\"<|eot_id|>\":2,\"<|eom_id|>\":3,"
          + "\"hello\":4,\"world\":5,\"a\":6,\"[UNK]\":7}";

  private static String tokenizerJson(String postProcessor) {
    StringBuilder added = new StringBuilder();
    String[] special = {"<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|eom_id|>"};
    for (int i = 0; i < special.length; i++) {
      added
          .append(i == 0 ? "" : ",")
          .append("{\"id\":")
          .append(i)
          .append(",\"content\":\"")
          .append(special[i])
          .append(
              "\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,"
                  + "\"special\":true}");
    }
    return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":["
        + added
        + "],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":"
        + postProcessor
        + ",\"decoder\":null,\"model\":{\"type\":\"WordLevel\",\"vocab\":"
        + VOCAB
        + ",\"unk_token\":\"[UNK]\"}}";
  }

  // Llama 3's post-processor: ByteLevel (offsets only), then <|begin_of_text|> before the text.
  private static final String LLAMA3_POST =
      "{\"type\":\"Sequence\",\"processors\":[{\"type\":\"ByteLevel\",\"add_prefix_space\":true,"
          + "\"trim_offsets\":false,\"use_regex\":true},{\"type\":\"TemplateProcessing\","
          + "\"single\":[{\"SpecialToken\":{\"id\":\"<|begin_of_text|>\",\"type_id\":0}},"
          + "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}],\"pair\":[{\"SpecialToken\":{\"id\":"
          + "\"<|begin_of_text|>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
          + "{\"SpecialToken\":{\"id\":\"<|begin_of_text|>\",\"type_id\":1}},{\"Sequence\":"
          + "{\"id\":\"B\",\"type_id\":1}}],\"special_tokens\":{\"<|begin_of_text|>\":{\"id\":"
          + "\"<|begin_of_text|>\",\"ids\":[0],\"tokens\":[\"<|begin_of_text|>\"]}}}]}";

  // Qwen2.5's post-processor: ByteLevel only, nothing added.
  private static final String QWEN_POST =
      "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,"
          + "\"use_regex\":false}";

  private HfTokenizer load(String name, String post, String tokenizerConfig) throws Exception {
    Path folder = Files.createDirectories(dir.resolve(name));
    Files.writeString(folder.resolve("tokenizer.json"), tokenizerJson(post));
    Files.writeString(folder.resolve(TokenizerConfig.FILE), tokenizerConfig);
    return HfTokenizer.load(
        folder.resolve("tokenizer.json"),
        8,
        0,
        new int[] {1},
        TokenizerConfig.read(folder).orElseThrow());
  }

  @Test
  void bosIsAddedExactlyWhereTheModelsOwnTokenizerAddsIt() throws Exception {
    HfTokenizer llama3 =
        load(
            "llama3",
            LLAMA3_POST,
            "{\"bos_token\":\"<|begin_of_text|>\",\"eos_token\":\"<|end_of_text|>\","
                + "\"tokenizer_class\":\"PreTrainedTokenizerFast\"}");
    assertThat(llama3.encode("hello world", false)).containsExactly(4, 5);
    assertThat(llama3.encode("hello world", true)).containsExactly(0, 4, 5);

    // Qwen2.5: config.json names a bos_token_id (here 0), but its tokenizer adds nothing.
    HfTokenizer qwen =
        load(
            "qwen",
            QWEN_POST,
            "{\"add_bos_token\":false,\"add_prefix_space\":false,\"bos_token\":null,"
                + "\"eos_token\":\"<|end_of_text|>\",\"tokenizer_class\":\"Qwen2Tokenizer\"}");
    assertThat(qwen.encode("hello world", true)).containsExactly(4, 5);

    // A Llama 2 tokenizer class rebuilds its post-processor from add_bos_token.
    HfTokenizer llamaNoBos =
        load(
            "llama-no-bos",
            LLAMA3_POST,
            "{\"add_bos_token\":false,\"bos_token\":\"<|begin_of_text|>\","
                + "\"tokenizer_class\":\"LlamaTokenizerFast\"}");
    assertThat(llamaNoBos.encode("hello world", true)).containsExactly(4, 5);
    HfTokenizer llamaDefault =
        load("llama-default", QWEN_POST, "{\"tokenizer_class\":\"LlamaTokenizer\"}");
    assertThat(llamaDefault.encode("hello", true)).containsExactly(0, 4);
    // Gemma 2 / 3: GemmaTokenizer(Fast) with add_bos_token true adds <bos> whatever the
    // tokenizer.json post-processor says (here one that adds nothing).
    HfTokenizer gemma =
        load(
            "gemma",
            QWEN_POST,
            "{\"add_bos_token\":true,\"add_eos_token\":false,\"bos_token\":\"<|begin_of_text|>\","
                + "\"eos_token\":\"<|end_of_text|>\",\"tokenizer_class\":\"GemmaTokenizer\"}");
    assertThat(gemma.encode("hello world", true)).containsExactly(0, 4, 5);
  }

  @Test
  void gpt2AddsNoEndOfTextInFrontUnlessItsConfigSaysSo() throws Exception {
    Path gpt2 = Files.createDirectories(dir.resolve("gpt2"));
    Path shared = TestModels.shared("tokenizers/gpt2");
    Files.copy(shared.resolve("encoder.json"), gpt2.resolve("vocab.json"));
    Files.copy(shared.resolve("vocab.bpe"), gpt2.resolve("merges.txt"));
    Gpt2Tokenizer plain = Gpt2Tokenizer.load(gpt2);
    // "Hello" is 15496 in GPT-2's vocabulary; transformers' GPT2Tokenizer gives exactly that.
    assertThat(plain.encode("Hello", true)).containsExactly(15496);
    Files.writeString(gpt2.resolve(TokenizerConfig.FILE), "{\"add_bos_token\":true}");
    assertThat(Gpt2Tokenizer.load(gpt2).encode("Hello", true)).containsExactly(50256, 15496);
  }

  @Test
  void generationStopsOnEveryEosIdOfConfigAndGenerationConfig() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("instruct"));
    var config = TestModels.tinyLlama();
    // Llama 3.x Instruct's layout: a list in config.json, another in generation_config.json.
    Files.writeString(folder.resolve("config.json"), "{\"eos_token_id\": [2, 3]}");
    Files.writeString(folder.resolve("generation_config.json"), "{\"eos_token_id\": [2, 9, 3]}");
    assertThat(HfConfig.stopTokenIds(folder, config)).containsExactly(2, 3, 9);

    try (CausalLm model = CausalLm.random(config, 11, Device.cpu())) {
      SamplingConfig greedy = SamplingConfig.builder().temperature(0).maxNewTokens(6).build();
      int[] prompt = {1, 4, 6};
      Generation free = new Generator(model, new int[0]).generate(List.of(prompt), greedy).get(0);
      assertThat(free.response()).hasSize(6);
      int first = free.response()[0];
      // A stop id that is not the first one still ends the response, as finished.
      int other = first == 5 ? 7 : 5;
      Generation stopped =
          new Generator(model, new int[] {other, first}).generate(List.of(prompt), greedy).get(0);
      assertThat(stopped.response()).containsExactly(first);
      assertThat(stopped.endedWithEos()).isTrue();
    }
  }
}
