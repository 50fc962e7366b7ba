package io.rlhf4j.djl.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.internal.json.JsonWriter;
import io.rlhf4j.model.SamplingConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model folders from the internet are untrusted input: crafted ones fail cleanly, or load. */
class UntrustedModelFolderTest {
  @TempDir Path dir;
  private Path good;

  @BeforeEach
  void convertStories() throws IOException {
    good = dir.resolve("good");
    try (PretrainedModel stories = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      stories.save(good);
    }
  }

  private Path copy(String name) throws IOException {
    Path to = Files.createDirectories(dir.resolve(name));
    try (var files = Files.list(good)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }

  private Path withConfig(String name, String from, String to) throws IOException {
    Path folder = copy(name);
    String config = Files.readString(folder.resolve("config.json"));
    assertThat(config).contains(from);
    Files.writeString(folder.resolve("config.json"), config.replace(from, to));
    return folder;
  }

  // A sharded index mapping every tensor to the given shard name.
  private Path sharded(String name, String shard) throws IOException {
    Path folder = copy(name);
    Map<String, Object> weightMap = new LinkedHashMap<>();
    for (String tensor : Safetensors.read(folder.resolve(HfWeights.SINGLE)).keySet()) {
      weightMap.put(tensor, shard);
    }
    Files.delete(folder.resolve(HfWeights.SINGLE));
    Files.writeString(
        folder.resolve(HfWeights.INDEX), JsonWriter.write(Map.of("weight_map", weightMap)));
    return folder;
  }

  @Test
  void shardsOutsideTheFolderAreRefusedWithoutReadingThem() throws IOException {
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    Files.copy(good.resolve(HfWeights.SINGLE), elsewhere.resolve("secret.safetensors"));
    for (String shard :
        List.of(
            "../elsewhere/secret.safetensors",
            elsewhere.resolve("secret.safetensors").toString(),
            "/etc/passwd",
            "../../../../../../../../etc/passwd")) {
      Path folder = sharded("shard" + Math.abs(shard.hashCode()), shard);
      assertThatThrownBy(() -> PretrainedModel.load(folder, Device.cpu()))
          .isInstanceOf(ModelFormatException.class)
          .hasMessageContaining("a shard must be a file inside the model folder")
          .hasMessageNotContaining("root:");
    }
  }

  @Test
  void aShardThatIsASymlinkInsideTheFolderStillLoads() throws IOException {
    // The Hugging Face cache keeps every file as a link into its blob store.
    Path blobs = Files.createDirectories(dir.resolve("blobs"));
    Files.copy(good.resolve(HfWeights.SINGLE), blobs.resolve("0123abcd"));
    Path folder = sharded("linked", "model-00001-of-00001.safetensors");
    Files.createSymbolicLink(
        folder.resolve("model-00001-of-00001.safetensors"), blobs.resolve("0123abcd"));
    try (PretrainedModel pm = PretrainedModel.load(folder, Device.cpu())) {
      assertThat(pm.model().config().numLayers()).isEqualTo(5);
    }
  }

  /** A one-tensor safetensors file with a hand-written header. */
  private Path safetensors(String name, String header, int dataBytes) throws IOException {
    Path file = dir.resolve(name);
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    Files.write(file, b.array());
    return file;
  }

  @Test
  void safetensorsOffsetsMustTileTheDataExactly() throws IOException {
    String shape = "\"dtype\":\"F32\",\"shape\":[2]";
    Map<String, String> cases = new LinkedHashMap<>();
    // begin < 0 but inside the file: once loaded header bytes as weights.
    cases.put("{\"w\":{" + shape + ",\"data_offsets\":[-8,0]}}", "are not 0 <= begin <= end");
    cases.put("{\"w\":{" + shape + ",\"data_offsets\":[0.5,8.5]}}", "must be two integers");
    cases.put("{\"w\":{" + shape + ",\"data_offsets\":[\"0\",\"8\"]}}", "must be two integers");
    cases.put(
        "{\"a\":{"
            + shape
            + ",\"data_offsets\":[0,8]},\"b\":{"
            + shape
            + ",\"data_offsets\":[4,12]}}",
        "overlap");
    cases.put("{\"w\":{" + shape + ",\"data_offsets\":[4,12]}}", "leave a gap of 4 bytes");
    cases.put(
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}",
        "is too large");
    int i = 0;
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path file = safetensors("case" + i++ + ".safetensors", c.getKey(), 12);
      assertThatThrownBy(() -> Safetensors.read(file))
          .as(c.getKey())
          .isInstanceOf(ModelFormatException.class)
          .hasMessageStartingWith(file.toString())
          .hasMessageContaining(c.getValue());
    }
    Path extra =
        safetensors("extra.safetensors", "{\"w\":{" + shape + ",\"data_offsets\":[0,8]}}", 12);
    assertThatThrownBy(() -> Safetensors.read(extra))
        .hasMessageContaining("4 bytes after the last tensor belong to none");
    Path ok = safetensors("ok.safetensors", "{\"w\":{" + shape + ",\"data_offsets\":[0,8]}}", 8);
    assertThat(Safetensors.read(ok).get("w").data()).containsExactly(0f, 0f);
  }

  @Test
  void errorsNeverQuoteTheFilesBytes() throws IOException {
    Path notSafetensors = dir.resolve("passwd.safetensors");
    Files.writeString(notSafetensors, "root:x:0:0:root:/root:/bin/bash\n");
    assertThatThrownBy(() -> Safetensors.read(notSafetensors))
        .hasMessageContaining("its first 8 bytes are not a header length")
        .hasMessageNotContaining("3475222254926655346");
    Path badJson = safetensors("json.safetensors", "{\"secret\": r00t}", 0);
    assertThatThrownBy(() -> Safetensors.read(badJson))
        .hasMessageContaining("error at header column")
        .hasMessageNotContaining("'r'");
  }

  @Test
  void configSizesAreBoundedBeforeAnythingIsBuilt() throws IOException {
    assertThatThrownBy(
            () ->
                PretrainedModel.load(
                    withConfig(
                        "layers", "\"num_hidden_layers\":5", "\"num_hidden_layers\":10000000"),
                    Device.cpu()))
        .hasMessageContaining("the config has 10000000 layers but the weights hold 5");
    assertThatThrownBy(
            () ->
                PretrainedModel.load(
                    withConfig("vocab", "\"vocab_size\":512", "\"vocab_size\":1099511627776"),
                    Device.cpu()))
        .hasMessageContaining("field 'vocab_size': 1099511627776 is not a size");
    assertThatThrownBy(
            () ->
                PretrainedModel.load(
                    withConfig("heads", "\"num_attention_heads\":8", "\"num_attention_heads\":0"),
                    Device.cpu()))
        .hasMessageContaining("field 'num_attention_heads': 0 is not a size");
    assertThatThrownBy(
            () ->
                PretrainedModel.load(
                    withConfig("eos", "\"eos_token_id\":1", "\"eos_token_id\":1099511627776"),
                    Device.cpu()))
        .hasMessageContaining("field 'eos_token_id'");
    assertThatThrownBy(
            () ->
                PretrainedModel.load(
                    withConfig("eps", "\"rms_norm_eps\":1.0E-5", "\"rms_norm_eps\":1e999"),
                    Device.cpu()))
        .hasMessageContaining("config.json: invalid JSON at column");
  }

  @Test
  void aHugeContextNeedsNoTableAndStillGenerates() throws IOException {
    // Once the RoPE tables overflowed an int here, after every weight was in native memory.
    Path huge =
        withConfig(
            "context", "\"max_position_embeddings\":512", "\"max_position_embeddings\":2147483647");
    try (PretrainedModel pm = PretrainedModel.load(huge, Device.cpu())) {
      String text =
          pm.tokenizer()
              .decode(
                  new DjlPolicy(pm.model(), pm.tokenizer())
                      .generate(
                          List.of(pm.tokenizer().encode("Once upon a time", true)),
                          SamplingConfig.builder().temperature(0).maxNewTokens(8).build())
                      .get(0)
                      .response());
      assertThat(text).startsWith(", there was a little girl");
    }
  }

  @Test
  void tokenizerIdsBeyondTheVocabularyAreRefusedAtLoad() throws IOException {
    Path shifted = copy("shifted");
    String json = Files.readString(shifted.resolve("tokenizer.json"));
    // Add a token whose id lies far past the model's 512 rows.
    json =
        json.replaceFirst(
            "\"added_tokens\":\\[",
            "\"added_tokens\":[{\"id\":100000,\"content\":\"<x>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true},");
    Files.writeString(shifted.resolve("tokenizer.json"), json);
    assertThatThrownBy(() -> PretrainedModel.load(shifted, Device.cpu()))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("tokenizer.json: its token ids reach 100000")
        .hasMessageContaining("beyond the model's vocabulary of 512");
  }

  @Test
  void nonFiniteWeightsAreRefusedNamingTheTensor() throws IOException {
    Path nan = copy("nan");
    Map<String, Tensor> raw = Safetensors.read(nan.resolve(HfWeights.SINGLE));
    raw.get("model.norm.weight").data()[3] = Float.NaN;
    Safetensors.write(nan.resolve(HfWeights.SINGLE), raw, Map.of());
    assertThatThrownBy(() -> PretrainedModel.load(nan, Device.cpu()))
        .hasMessageContaining("tensor 'norm.weight' holds a non-finite value (NaN) at index 3");
  }
}
