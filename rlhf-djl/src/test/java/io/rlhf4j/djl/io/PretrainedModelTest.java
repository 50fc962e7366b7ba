package io.rlhf4j.djl.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.tensor.TensorData;
import io.rlhf4j.djl.tokenize.Gpt2Tokenizer;
import io.rlhf4j.djl.tokenize.HfTokenizer;
import io.rlhf4j.internal.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainedModelTest {
  @TempDir Path dir;

  private static void assertBitExact(Map<String, Tensor> a, Map<String, Tensor> b) {
    assertThat(b.keySet()).containsExactlyInAnyOrderElementsOf(a.keySet());
    for (String name : a.keySet()) {
      assertThat(b.get(name).shape()).as(name).containsExactly(a.get(name).shape());
      int[] x = floatBits(a.get(name).data());
      int[] y = floatBits(b.get(name).data());
      assertThat(Arrays.equals(x, y)).as("%s bit-exact", name).isTrue();
    }
  }

  private static int[] floatBits(float[] f) {
    int[] out = new int[f.length];
    for (int i = 0; i < f.length; i++) {
      out[i] = Float.floatToRawIntBits(f[i]);
    }
    return out;
  }

  @Test
  void llama2cConvertsToAHuggingFaceFolderAndBackBitExact() throws IOException {
    Path out = dir.resolve("stories-hf");
    try (PretrainedModel original = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      original.save(out);
      try (PretrainedModel reloaded = PretrainedModel.load(out, Device.cpu())) {
        assertBitExact(original.model().toTensors(), reloaded.model().toTensors());
        assertThat(reloaded.model().config()).isEqualTo(original.model().config());
        // The reloaded tokenizer is the exported tokenizer.json, run by Hugging Face tokenizers.
        assertThat(reloaded.tokenizer()).isInstanceOf(HfTokenizer.class);
        assertThat(reloaded.tokenizer().encode("Once upon a time", true))
            .containsExactly(1, 403, 407, 261, 378);
      }
    }
    Map<String, Object> config = Json.parseObject(Files.readString(out.resolve("config.json")));
    assertThat(config.get("architectures")).isEqualTo(java.util.List.of("LlamaForCausalLM"));
    assertThat(config.get("num_key_value_heads")).isEqualTo(4L);
    assertThat(config.get("tie_word_embeddings")).isEqualTo(true);
    assertThat(out.resolve("generation_config.json")).exists();
    // Hugging Face names, as transformers expects them.
    assertThat(Safetensors.read(out.resolve("model.safetensors")).keySet())
        .contains(
            "model.embed_tokens.weight",
            "model.layers.4.self_attn.q_proj.weight",
            "model.layers.0.post_attention_layernorm.weight",
            "model.norm.weight")
        .doesNotContain("lm_head.weight");
  }

  @Test
  void gpt2SavesWithFusedConv1dWeightsAndReloadsBitExact() throws IOException {
    ModelConfig config =
        ModelConfig.gpt2()
            .vocabSize(50257)
            .hiddenSize(16)
            .intermediateSize(64)
            .numLayers(2)
            .numHeads(2)
            .maxPositions(64)
            .bosTokenId(50256)
            .eosTokenId(50256)
            .build();
    Path out = dir.resolve("gpt2");
    try (CausalLm model = CausalLm.random(config, 3, Device.cpu())) {
      PretrainedModel.save(model, Gpt2Tokenizer.load(TestModels.shared("tokenizers/gpt2")), out);
      Map<String, Tensor> raw = Safetensors.read(out.resolve("model.safetensors"));
      assertThat(raw.get("transformer.h.0.attn.c_attn.weight").shape()).containsExactly(16, 48);
      assertThat(raw.get("transformer.h.1.mlp.c_fc.weight").shape()).containsExactly(16, 64);
      // c_attn is [in, out] with q, k, v side by side: column j < 16 of row i is q[j][i].
      float[] q = model.toTensors().get("layers.0.attn.q.weight").data();
      float[] fused = raw.get("transformer.h.0.attn.c_attn.weight").data();
      assertThat(fused[3 * 48 + 5]).isEqualTo(q[5 * 16 + 3]);
      try (PretrainedModel reloaded = PretrainedModel.load(out, Device.cpu())) {
        assertBitExact(model.toTensors(), reloaded.model().toTensors());
        assertThat(reloaded.tokenizer().encode("Hello world!", false))
            .containsExactly(15496, 995, 0);
      }
    }
  }

  @Test
  void shardedCheckpointLoads() throws IOException {
    // A tiny Qwen2 with stories260K's 512-token vocabulary, so its tokenizer fits it.
    ModelConfig config = TestModels.tinyLlama(512);
    Path single = dir.resolve("single");
    try (CausalLm model = CausalLm.random(config, 4, Device.cpu());
        PretrainedModel stories = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      Map<String, TensorData> hf = HfWeights.fromCanonical(model.toTensors(), config);
      Map<String, TensorData> first = new LinkedHashMap<>();
      Map<String, TensorData> second = new LinkedHashMap<>();
      StringBuilder index = new StringBuilder("{\"metadata\":{},\"weight_map\":{");
      int i = 0;
      for (Map.Entry<String, TensorData> e : hf.entrySet()) {
        String shard =
            i % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
        (i % 2 == 0 ? first : second).put(e.getKey(), e.getValue());
        index
            .append(i++ == 0 ? "" : ",")
            .append('"')
            .append(e.getKey())
            .append("\":\"")
            .append(shard)
            .append('"');
      }
      Path sharded = Files.createDirectories(dir.resolve("sharded"));
      Safetensors.write(sharded.resolve("model-00001-of-00002.safetensors"), first, Map.of());
      Safetensors.write(sharded.resolve("model-00002-of-00002.safetensors"), second, Map.of());
      Files.writeString(sharded.resolve(HfWeights.INDEX), index.append("}}").toString());
      Files.writeString(sharded.resolve("config.json"), HfConfig.toJson(config));
      Files.writeString(sharded.resolve("tokenizer.json"), stories.tokenizer().tokenizerJson());
      try (PretrainedModel loaded = PretrainedModel.load(sharded, Device.cpu())) {
        assertBitExact(model.toTensors(), loaded.model().toTensors());
        assertThat(loaded.model().config().modelType()).isEqualTo("qwen2");
      }
    }
  }

  @Test
  void halfPrecisionSafetensorsAreWidenedToFp32() throws IOException {
    // [1.0, -2.5, 65504 (max half), 2^-24 (smallest subnormal)] as F16; [1.0, -2.5] as BF16.
    short[] f16 = {(short) 0x3C00, (short) 0xC100, (short) 0x7BFF, (short) 0x0001};
    short[] bf16 = {(short) 0x3F80, (short) 0xC020};
    String header =
        "{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]}}";
    ByteBuffer buf = ByteBuffer.allocate(8 + header.length() + 12).order(ByteOrder.LITTLE_ENDIAN);
    buf.putLong(header.length()).put(header.getBytes());
    for (short s : f16) {
      buf.putShort(s);
    }
    for (short s : bf16) {
      buf.putShort(s);
    }
    Path file = dir.resolve("half.safetensors");
    Files.write(file, buf.array());
    Map<String, Tensor> t = Safetensors.read(file);
    assertThat(t.get("a").data()).containsExactly(1.0f, -2.5f, 65504f, 0x1p-24f);
    assertThat(t.get("b").data()).containsExactly(1.0f, -2.5f);
  }

  @Test
  void badFoldersFailNamingFileAndTensor() throws IOException {
    assertThatThrownBy(() -> PretrainedModel.load(dir.resolve("nope"), Device.cpu()))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("nope: not a folder");

    Path good = dir.resolve("good");
    try (PretrainedModel stories = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      stories.save(good);
    }
    // Unknown architecture.
    Path arch = copy(good, "arch");
    Files.writeString(
        arch.resolve("config.json"),
        Files.readString(arch.resolve("config.json")).replace("LlamaForCausalLM", "BertModel"));
    assertThatThrownBy(() -> PretrainedModel.load(arch, Device.cpu()))
        .hasMessageContaining("config.json: unknown architecture 'BertModel'");
    // A config whose width disagrees with the tensors.
    Path shape = copy(good, "shape");
    Files.writeString(
        shape.resolve("config.json"),
        Files.readString(shape.resolve("config.json"))
            .replace("\"intermediate_size\":172", "\"intermediate_size\":170"));
    assertThatThrownBy(() -> PretrainedModel.load(shape, Device.cpu()))
        .hasMessageContaining(
            "model.safetensors: tensor 'layers.0.mlp.gate.weight' has shape [172, 64]")
        .hasMessageContaining("[170, 64]");
    // Truncated weights.
    Path cut = copy(good, "cut");
    byte[] bytes = Files.readAllBytes(cut.resolve("model.safetensors"));
    Files.write(cut.resolve("model.safetensors"), Arrays.copyOf(bytes, bytes.length - 100));
    assertThatThrownBy(() -> PretrainedModel.load(cut, Device.cpu()))
        .hasMessageContaining(
            "model.safetensors: tensor 'model.norm.weight': data runs past the end");
    // Missing weights file.
    Path missing = copy(good, "missing");
    Files.delete(missing.resolve("model.safetensors"));
    assertThatThrownBy(() -> PretrainedModel.load(missing, Device.cpu()))
        .hasMessageContaining("no model.safetensors and no model.safetensors.index.json");
    // Truncated llama2.c checkpoint.
    Path l2c = Files.createDirectories(dir.resolve("l2c"));
    byte[] ckpt = Files.readAllBytes(TestModels.stories().resolve("stories260K.bin"));
    Files.write(l2c.resolve("model.bin"), Arrays.copyOf(ckpt, ckpt.length - 4));
    Files.copy(TestModels.stories().resolve("tok512.bin"), l2c.resolve("tok512.bin"));
    assertThatThrownBy(() -> PretrainedModel.load(l2c, Device.cpu()))
        .hasMessageContaining("model.bin: size")
        .hasMessageContaining("(truncated)");
    // Truncated tokenizer.
    Files.write(l2c.resolve("model.bin"), ckpt);
    byte[] tok = Files.readAllBytes(TestModels.stories().resolve("tok512.bin"));
    Files.write(l2c.resolve("tok512.bin"), Arrays.copyOf(tok, tok.length / 2));
    assertThatThrownBy(() -> PretrainedModel.load(l2c, Device.cpu()))
        .hasMessageContaining("tok512.bin: truncated");
  }

  private Path copy(Path from, String name) throws IOException {
    Path to = Files.createDirectories(dir.resolve(name));
    try (var files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }
}
