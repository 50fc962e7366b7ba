package io.rlhf4j.djl.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rlhf4j.data.ChatMessage;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.PretrainedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A saved model keeps its tokenizer config, so transformers loads the tokenizer as it was. */
class TokenizerConfigTest {
  @TempDir Path dir;

  @Test
  void aLlama2cModelGetsAConfigNamingItsOwnSpecialTokens() throws IOException {
    Path hf = dir.resolve("hf");
    try (PretrainedModel m = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      m.save(hf);
    }

    JsonObject config = json(hf.resolve("tokenizer_config.json"));
    JsonObject special = json(hf.resolve("special_tokens_map.json"));
    JsonObject modelConfig = json(hf.resolve("config.json"));
    // Each named token is, in tokenizer.json, the id config.json gives for it.
    assertThat(addedTokenId(hf, config.get("bos_token").getAsString()))
        .isEqualTo(modelConfig.get("bos_token_id").getAsInt());
    assertThat(addedTokenId(hf, config.get("eos_token").getAsString()))
        .isEqualTo(modelConfig.get("eos_token_id").getAsInt());
    assertThat(special.get("bos_token")).isEqualTo(config.get("bos_token"));
  }

  @Test
  void aChosenChatTemplateIsSavedAndTravelsWithoutChangingTheTokens() throws Exception {
    String template = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}";
    Path saved = dir.resolve("with-template");
    try (PretrainedModel m = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      SavableTokenizer chosen = m.tokenizer().withChatTemplate(template);
      String text = "Once upon a time, Lily saw a cat.";
      assertThat(chosen.encode(text, true)).containsExactly(m.tokenizer().encode(text, true));
      assertThat(chosen.tokenizerJson()).isEqualTo(m.tokenizer().tokenizerJson());
      // Serialised (as Spark ships it) and back, it is the same tokenizer with the same config.
      SavableTokenizer copy = roundTrip(chosen);
      assertThat(copy.encode(text, true)).containsExactly(m.tokenizer().encode(text, true));
      assertThat(copy.decode(copy.encode(text, false)))
          .isEqualTo(m.tokenizer().decode(m.tokenizer().encode(text, false)));
      PretrainedModel.save(m.model(), copy, saved);
    }
    JsonObject config = json(saved.resolve("tokenizer_config.json"));
    assertThat(config.get("chat_template").getAsString()).isEqualTo(template);
    // The rest of the derived config is kept: the special tokens still name the model's ids.
    assertThat(config.get("bos_token")).isNotNull();
    List<ChatMessage> chat = List.of(new ChatMessage("user", "hi"));
    try (PretrainedModel back = PretrainedModel.load(saved, Device.cpu())) {
      assertThat(
              back.tokenizer().tokenizerConfig().chatTemplate().orElseThrow().render(chat, false))
          .isEqualTo("[user] hi\n");
    }
  }

  @Test
  void anInstructModelsConfigAndChatTemplateSurviveLoadAndSave() throws IOException {
    Path hf = dir.resolve("hf");
    try (PretrainedModel m = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      m.save(hf);
    }
    // What an instruct model ships: a template, tokens as added-token objects, keys of its own.
    JsonObject original = new JsonObject();
    original.addProperty("chat_template", ChatTemplateTest.resource("qwen2.5-instruct.jinja"));
    JsonObject eos = new JsonObject();
    eos.addProperty("__type", "AddedToken");
    eos.addProperty("content", "<s>");
    eos.addProperty("special", true);
    original.add("eos_token", eos);
    original.addProperty("model_max_length", 512);
    original.addProperty("padding_side", "left");
    Files.writeString(hf.resolve("tokenizer_config.json"), original.toString());
    Files.delete(hf.resolve("special_tokens_map.json"));

    Path again = dir.resolve("again");
    try (PretrainedModel m = PretrainedModel.load(hf, Device.cpu())) {
      ChatTemplate template = m.tokenizer().tokenizerConfig().chatTemplate().orElseThrow();
      assertThat(template.eosToken()).isEqualTo("<s>");
      assertThat(template.render(List.of(new ChatMessage("user", "Hi")), true))
          .endsWith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
      // Serialised (as Spark ships it), the native tokenizer is rebuilt with the same config.
      assertThat(m.tokenizer()).isInstanceOf(HfTokenizer.class);
      SavableTokenizer copy = roundTrip(m.tokenizer());
      String text = "Once upon a time, Lily saw a cat.";
      assertThat(copy.encode(text, true)).containsExactly(m.tokenizer().encode(text, true));
      assertThat(copy.tokenizerConfig()).isEqualTo(m.tokenizer().tokenizerConfig());
      m.save(again);
    }

    assertThat(json(again.resolve("tokenizer_config.json"))).isEqualTo(original);
    assertThat(json(again.resolve("special_tokens_map.json")).get("eos_token").getAsString())
        .isEqualTo("<s>");
  }

  private static JsonObject json(Path file) throws IOException {
    return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
  }

  private static int addedTokenId(Path folder, String content) throws IOException {
    for (JsonElement t : json(folder.resolve("tokenizer.json")).getAsJsonArray("added_tokens")) {
      if (t.getAsJsonObject().get("content").getAsString().equals(content)) {
        return t.getAsJsonObject().get("id").getAsInt();
      }
    }
    throw new AssertionError(content + " is not an added token");
  }

  /** {@code tokenizer} written with Java serialisation and read back. */
  private static SavableTokenizer roundTrip(SavableTokenizer tokenizer) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(tokenizer);
    }
    try (java.io.ObjectInputStream in =
        new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      return (SavableTokenizer) in.readObject();
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
