package io.rlhf4j.djl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.PeftAdapter;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.io.Safetensors;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.sft.SftConfig;
import io.rlhf4j.djl.train.sft.SftTrainer;
import io.rlhf4j.internal.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA views: PEFT's maths, names and files, and one frozen base under several adapters. */
class LoraTest {
  @TempDir Path dir;

  private static final LoraConfig LORA = LoraConfig.builder().rank(4).alpha(8).seed(3).build();

  private static float[] logits(CausalLm model, long[] ids) {
    try (NDManager m = NDManager.newBaseManager()) {
      return model
          .logits(
              model.hidden(
                  m.create(ids, new Shape(1, ids.length)), m.ones(new Shape(1, ids.length)), null))
          .toFloatArray();
    }
  }

  // A trained-looking adapter: B random instead of zero, so the update is not a no-op.
  private static void perturbB(CausalLm view, long seed) {
    Random random = new Random(seed);
    Map<String, Tensor> own = view.toTensors();
    Map<String, Tensor> changed = new LinkedHashMap<>();
    own.forEach(
        (name, t) -> {
          float[] data = t.data().clone();
          if (name.endsWith(".lora_B")) {
            for (int i = 0; i < data.length; i++) {
              data[i] = (float) (random.nextGaussian() * 0.05);
            }
          }
          changed.put(name, new Tensor(t.shape(), data));
        });
    view.loadTensors(changed);
  }

  private static void assertClose(float[] a, float[] b, double tolerance) {
    assertThat(a).hasSameSizeAs(b);
    for (int i = 0; i < a.length; i++) {
      assertThat((double) a[i]).as("index %s", i).isCloseTo(b[i], within(tolerance));
    }
  }

  @Test
  void theMergedUpdateIsScaledBTimesAByHand() {
    // r = 2, in = 2, out = 3, s = 0.5: ΔW = 0.5 · [[1,0],[0,1],[1,1]] · [[1,2],[3,4]].
    Tensor a = new Tensor(new long[] {2, 2}, new float[] {1, 2, 3, 4});
    Tensor b = new Tensor(new long[] {3, 2}, new float[] {1, 0, 0, 1, 1, 1});
    assertThat(Lora.delta(a, b, 0.5)).containsExactly(0.5f, 1f, 1.5f, 2f, 2f, 3f);
  }

  @Test
  void aFreshAdapterChangesNothingAndATrainedOneEqualsItsMergedModel() {
    long[] ids = {1, 403, 407, 261, 378, 30, 99};
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
        CausalLm view = pm.model().withLora(LORA)) {
      float[] base = logits(pm.model(), ids);
      assertThat(logits(view, ids)).containsExactly(base);
      perturbB(view, 7);
      float[] adapted = logits(view, ids);
      assertThat(adapted).isNotEqualTo(base);
      // Forward with the adapter = forward of W + s·B·A, computed on the host.
      try (CausalLm merged =
          CausalLm.fromTensors(pm.model().config(), view.mergedTensors(), Device.cpu())) {
        assertClose(logits(merged, ids), adapted, 1e-4);
      }
      // The base is untouched until the merge, which then makes it compute the view.
      assertThat(logits(pm.model(), ids)).containsExactly(base);
      view.mergeAdapter();
      assertClose(logits(pm.model(), ids), adapted, 1e-4);
      assertClose(logits(view, ids), adapted, 1e-4); // B is zero now: nothing added twice
    }
  }

  @Test
  void gpt2sFusedAttentionAdapterMergesIntoQkAndV() {
    assertAdaptedEqualsMerged(
        TestModels.tinyGpt2(),
        new long[] {1, 5, 9, 2, 11},
        "transformer.h.0.attn.c_attn",
        "transformer.h.1.mlp.c_proj");
  }

  @Test
  void phi3sFusedAdaptersMergeIntoTheirUnequalBlocks(@TempDir Path folder) throws Exception {
    // Grouped-query attention: qkv_proj's B has 32 + 16 + 16 rows, gate_up_proj's 48 + 48.
    ModelConfig config = Phi3Test.read(folder, "");
    assertThat(LoraLayout.all(config))
        .extracting(LoraLayout.Module::peftPath)
        .doesNotContain("model.layers.0.self_attn.q_proj");
    assertAdaptedEqualsMerged(
        config,
        new long[] {1, 5, 9, 2, 11, 7, 3},
        "model.layers.0.self_attn.qkv_proj",
        "model.layers.1.mlp.gate_up_proj");
  }

  @Test
  void gemmaAdaptersAreNamedAsPeftNamesThemAndMergeExactly(@TempDir Path folder) throws Exception {
    for (String text : List.of(GemmaTest.GEMMA2, GemmaTest.GEMMA3.formatted("null"))) {
      assertAdaptedEqualsMerged(
          TestModels.config(folder, text),
          new long[] {2, 5, 9, 3, 17, 7, 1},
          "model.layers.0.self_attn.q_proj",
          "model.layers.1.mlp.gate_proj");
    }
  }

  // A LoRA view over random weights, with `modules` among its adapters and B perturbed, computes
  // what the model with the update merged into its base weights computes, and not the base's.
  private static void assertAdaptedEqualsMerged(ModelConfig config, long[] ids, String... modules) {
    try (CausalLm base =
            CausalLm.fromTensors(config, TestModels.randomWeights(config, 1), Device.cpu());
        CausalLm view = base.withLora(LORA)) {
      assertThat(view.adaptedModules()).extracting(LoraLayout.Module::peftPath).contains(modules);
      perturbB(view, 9);
      float[] adapted = logits(view, ids);
      try (CausalLm merged = CausalLm.fromTensors(config, view.mergedTensors(), Device.cpu())) {
        assertClose(logits(merged, ids), adapted, 1e-4);
      }
      assertThat(logits(base, ids)).isNotEqualTo(adapted);
    }
  }

  @Test
  void savedAsPeftNamesAndShapesAndReadBackExactly() throws Exception {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
        CausalLm view =
            pm.model()
                .withLora(
                    LoraConfig.builder()
                        .rank(4)
                        .alpha(8)
                        .targetModules("q_proj", "v_proj")
                        .build())) {
      perturbB(view, 5);
      Path folder = dir.resolve("adapter");
      PeftAdapter.save(view, folder, "stories260K");
      Map<String, Tensor> file = Safetensors.read(folder.resolve(PeftAdapter.WEIGHTS));
      // PEFT's documented form: base_model.model.<module path>.lora_A.weight, [r, in] and [out, r].
      assertThat(file).hasSize(5 * 2 * 2);
      assertThat(file.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape())
          .containsExactly(4, 64);
      assertThat(file.get("base_model.model.model.layers.4.self_attn.v_proj.lora_B.weight").shape())
          .containsExactly(32, 4);
      Map<String, Object> config =
          Json.parseObject(Files.readString(folder.resolve(PeftAdapter.CONFIG)));
      assertThat(config)
          .containsEntry("peft_type", "LORA")
          .containsEntry("task_type", "CAUSAL_LM")
          .containsEntry("r", 4L)
          .containsEntry("lora_alpha", 8.0)
          .containsEntry("target_modules", List.of("q_proj", "v_proj"))
          .containsEntry("fan_in_fan_out", false);
      PeftAdapter back = PeftAdapter.read(folder, pm.model().config());
      assertThat(back.config().rank()).isEqualTo(4);
      Map<String, Tensor> own = view.toTensors();
      assertThat(back.tensors().keySet()).isEqualTo(own.keySet());
      back.tensors()
          .forEach((name, t) -> assertThat(t.data()).containsExactly(own.get(name).data()));
      // Loaded beside its base, as a view or merged: the same model.
      long[] ids = {1, 403, 407, 261};
      float[] expected = logits(view, ids);
      try (PretrainedModel asView =
              PretrainedModel.load(TestModels.stories(), folder, Device.cpu(), false);
          PretrainedModel asMerged =
              PretrainedModel.load(TestModels.stories(), folder, Device.cpu(), true)) {
        assertThat(asView.model().isAdapter()).isTrue();
        assertThat(asMerged.model().isAdapter()).isFalse();
        assertClose(logits(asView.model(), ids), expected, 0);
        assertClose(logits(asMerged.model(), ids), expected, 1e-4);
      }
      // And exported as a plain Hugging Face folder, merged.
      Path exported = dir.resolve("merged");
      PretrainedModel.save(view, pm.tokenizer(), exported);
      try (PretrainedModel plain = PretrainedModel.load(exported, Device.cpu())) {
        assertClose(logits(plain.model(), ids), expected, 1e-4);
      }
    }
  }

  @Test
  void targetsAreMatchedAsPeftMatchesThem() {
    ModelConfig stories = TestModels.tinyLlama();
    assertThat(LoraLayout.targeted(stories, List.of("q_proj", "v_proj")))
        .extracting(LoraLayout.Module::name)
        .containsExactly(
            "layers.0.attn.q", "layers.0.attn.v", "layers.1.attn.q", "layers.1.attn.v");
    assertThat(LoraLayout.targeted(stories, List.of(LoraConfig.ALL_LINEAR))).hasSize(2 * 7);
    // GPT-2's "c_proj" names both the attention output and the MLP down projection.
    assertThat(LoraLayout.targeted(TestModels.tinyGpt2(), List.of("c_proj")))
        .extracting(LoraLayout.Module::name)
        .containsExactly(
            "layers.0.attn.o", "layers.0.mlp.down", "layers.1.attn.o", "layers.1.mlp.down");
    assertThatThrownBy(() -> LoraLayout.targeted(stories, List.of("q_prj")))
        .hasMessageContaining("LoRA target 'q_prj' matches no module")
        .hasMessageContaining("model.layers.0.self_attn.q_proj");
  }

  @Test
  void sftThroughAViewTrainsTheAdapterAndNotOneBaseWeight() {
    List<Demonstration> demos = new ArrayList<>();
    for (String name : List.of("Lily", "Tom", "Sue", "Ben", "Mia", "Max", "Anna", "Sam")) {
      demos.add(new Demonstration(name + " had a ball.", " " + name + " gave it to a friend."));
    }
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
        CausalLm view = pm.model().withLora(LORA)) {
      Map<String, Tensor> baseBefore = pm.model().toTensors();
      SftConfig config =
          SftConfig.builder()
              .epochs(3)
              .batchSize(4)
              .maxLength(32)
              .optimizer(AdamWConfig.of(3e-3))
              .build();
      SftTrainer trainer = new SftTrainer(view, pm.tokenizer(), config, new TrainingRun(List.of()));
      double before = trainer.evaluate(demos);
      double after = trainer.train(demos, demos, dir.resolve("sft")).evalLoss();
      assertThat(after).isLessThan(0.8 * before);
      // Only the adapter trained; the checkpoint is the adapter alone, in PEFT's form.
      assertThat(view.parameters().keySet()).allMatch(n -> n.contains(".lora_"));
      pm.model()
          .toTensors()
          .forEach((n, t) -> assertThat(t.data()).as(n).containsExactly(baseBefore.get(n).data()));
      assertThat(dir.resolve("sft").resolve(PeftAdapter.CONFIG)).exists();
      assertThat(dir.resolve("sft").resolve("model.safetensors")).doesNotExist();
    }
  }
}
