package io.rlhf4j.djl.train.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.Checkpoint;
import io.rlhf4j.djl.train.EpochLoop;
import io.rlhf4j.djl.train.ExactResume;
import io.rlhf4j.djl.train.Losses;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.train.Examples;
import io.rlhf4j.train.MetricsListener;
import io.rlhf4j.train.StepMetrics;
import io.rlhf4j.train.TrainingDivergedException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftTrainerTest {
  @TempDir Path dir;

  private static final String[] NAMES = {"Lily", "Tom", "Sue", "Ben", "Mia", "Max", "Anna", "Sam"};
  private static final String[] THINGS = {"ball", "cat", "kite", "doll", "dog", "car", "hat"};

  /** Templated demonstrations: a pattern the base model does not follow but can learn. */
  static List<Demonstration> demonstrations(boolean heldOut) {
    List<Demonstration> out = new ArrayList<>();
    for (int n = 0; n < NAMES.length; n++) {
      for (int t = 0; t < THINGS.length; t++) {
        if (((n + t) % 5 == 0) == heldOut) {
          out.add(
              new Demonstration(
                  NAMES[n] + " had a " + THINGS[t] + ".",
                  " " + NAMES[n] + " gave the " + THINGS[t] + " to a friend. They were happy."));
        }
      }
    }
    return out;
  }

  private static SftConfig.Builder quick() {
    return SftConfig.builder()
        .epochs(2)
        .batchSize(8)
        .maxLength(64)
        .optimizer(AdamWConfig.of(2e-3))
        .seed(3);
  }

  @Test
  void promptTokensGetNoGradientFromTheLoss() {
    // The hidden states are the leaf: a position gets gradient only if it predicts a response
    // token.
    try (CausalLm model = CausalLm.random(TestModels.tinyLlama(), 2, Device.cpu());
        NDManager m = model.manager().newSubManager()) {
      List<int[]> prompts = List.of(new int[] {1, 5, 6, 7}, new int[] {1, 9});
      List<int[]> responses = List.of(new int[] {8, 2}, new int[] {4, 4, 4, 2});
      SequenceBatch batch = SequenceBatch.of(m, prompts, responses);
      long s = batch.tokens().getShape().get(1);
      int d = model.config().hiddenSize();
      NDArray hidden = m.randomNormal(new Shape(2, s, d));
      hidden.setRequiresGradient(true);
      float[] grad;
      try (GradientCollector gc = GradMode.collector()) {
        gc.backward(
            Losses.tokenNll(batch.responseLogProbs(model, hidden, 1.0), batch.responseMask()));
        grad = hidden.getGradient().toFloatArray();
      }
      for (int row = 0; row < 2; row++) {
        int p = prompts.get(row).length;
        int r = responses.get(row).length;
        for (int pos = 0; pos < s; pos++) {
          double norm = 0;
          for (int v = 0; v < d; v++) {
            norm += Math.abs(grad[(int) ((row * s + pos) * d + v)]);
          }
          boolean predictsResponse = pos >= p - 1 && pos < p - 1 + r;
          assertThat(norm > 0).as("row %s position %s", row, pos).isEqualTo(predictsResponse);
        }
      }
    }
  }

  @Test
  void truncationKeepsBosAndTheTextNearestTheResponse() {
    Examples.Example e = Examples.truncate(new int[] {1, 10, 11, 12, 13}, new int[] {20, 21, 2}, 6);
    assertThat(e.prompt()).containsExactly(1, 12, 13);
    assertThat(e.response()).containsExactly(20, 21, 2);
    Examples.Example cut = Examples.truncate(new int[] {1, 10}, new int[] {20, 21, 22, 23, 2}, 4);
    assertThat(cut.prompt()).containsExactly(1);
    assertThat(cut.response()).containsExactly(20, 21, 22); // cut response loses its EOS
  }

  @Test
  void aTruncatedDemonstrationIsTrainedWithoutEos() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      int eos = pm.tokenizer().eosId().getAsInt();
      List<Examples.Example> e =
          Examples.encode(
              List.of(
                  new Demonstration("Lily had a", " ball. She cre", true),
                  new Demonstration("Lily had a", " ball. She cre", false)),
              pm.tokenizer(),
              64);
      assertThat(e.get(0).response()).doesNotContain(eos);
      assertThat(e.get(1).response()).endsWith(eos);
      assertThat(Arrays.copyOf(e.get(1).response(), e.get(1).response().length - 1))
          .containsExactly(e.get(0).response());
    }
  }

  @Test
  void everyDemonstrationTrainsEveryEpoch() {
    // 45 examples, micro-batches of 8: 6 micro-batches; 4 per step leaves 2 for a second step.
    // SFT's loop steps over batchSize × gradientAccumulation examples.
    assertThat(EpochLoop.stepsPerEpoch(45, 8 * 4)).isEqualTo(2);
    assertThat(EpochLoop.stepsPerEpoch(45, 8 * 8)).isEqualTo(1);
    assertThat(EpochLoop.stepsPerEpoch(48, 8 * 3)).isEqualTo(2);
    assertThat(EpochLoop.stepsPerEpoch(1, 8 * 4)).isEqualTo(1);
  }

  @Test
  void accumulatedMicroBatchesEqualOneBigBatch() {
    // One step over all 45 demonstrations: 6 micro-batches of up to 8 (fewer than the 8 the
    // accumulation allows), or one batch of 45. Same gradient, so same loss and same weights.
    List<Demonstration> train = demonstrations(false);
    SftConfig accumulated = quick().epochs(1).batchSize(8).gradientAccumulation(8).build();
    SftConfig whole = quick().epochs(1).batchSize(45).gradientAccumulation(1).build();
    float[] weightsA;
    float[] weightsB;
    double lossA;
    double lossB;
    double reference;
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      TrainingRun run = new TrainingRun(List.of());
      SftTrainer trainer = new SftTrainer(pm.model(), pm.tokenizer(), accumulated, run);
      // The independent number: NLL over every response token of the 45, before the step.
      reference = trainer.evaluate(train);
      lossA = trainer.train(train, List.of(), null).finalTrainLoss();
      assertThat(run.history()).hasSize(1);
      weightsA = pm.model().toTensors().get("layers.0.attn.q.weight").data();
    }
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      lossB =
          new SftTrainer(pm.model(), pm.tokenizer(), whole, new TrainingRun(List.of()))
              .train(train, List.of(), null)
              .finalTrainLoss();
      weightsB = pm.model().toTensors().get("layers.0.attn.q.weight").data();
    }
    assertThat(lossA).isCloseTo(reference, org.assertj.core.data.Offset.offset(1e-5));
    assertThat(lossB).isCloseTo(reference, org.assertj.core.data.Offset.offset(1e-5));
    for (int i = 0; i < weightsA.length; i++) {
      assertThat(weightsA[i]).isCloseTo(weightsB[i], org.assertj.core.data.Offset.offset(2e-6f));
    }
  }

  @Test
  void gradientCheckpointingTrainsTheSameWeights() {
    // Two epochs of six steps on stories260K with and without recomputing each layer in the
    // backward pass: the same losses and the same weights, up to float rounding (the gradients
    // are summed in another order).
    List<Demonstration> train = demonstrations(false);
    List<Map<String, float[]>> weights = new java.util.ArrayList<>();
    double[] losses = new double[2];
    for (int run = 0; run < 2; run++) {
      try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
        SftConfig config = quick().gradientCheckpointing(run == 1).build();
        losses[run] =
            new SftTrainer(pm.model(), pm.tokenizer(), config, new TrainingRun(List.of()))
                .train(train, List.of(), null)
                .finalTrainLoss();
        weights.add(TestModels.weights(pm.model()));
      }
    }
    assertThat(losses[1]).isCloseTo(losses[0], org.assertj.core.data.Offset.offset(1e-4));
    TestModels.assertWeightsClose(weights.get(1), weights.get(0), 1e-4f);
  }

  @Test
  void gradientCheckpointingRefusesLoraDropout() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
        CausalLm view =
            pm.model()
                .withLora(
                    io.rlhf4j.djl.model.LoraConfig.builder()
                        .rank(2)
                        .alpha(4)
                        .dropout(0.1)
                        .build())) {
      SftConfig config = quick().gradientCheckpointing(true).build();
      assertThatThrownBy(
              () -> new SftTrainer(view, pm.tokenizer(), config, new TrainingRun(List.of())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("set the adapter's dropout to 0");
    }
  }

  @Test
  void aMaxLengthPastTheContextIsRefused() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      assertThatThrownBy(
              () ->
                  new SftTrainer(
                      pm.model(),
                      pm.tokenizer(),
                      quick().maxLength(1024).build(),
                      new TrainingRun(List.of())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "maxLength 1024 exceeds the model's context of 512 positions; use maxLength <= 512");
    }
  }

  @Test
  void sftLowersHeldOutLossOnStories260k() {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      TrainingRun run = new TrainingRun(List.of());
      SftTrainer trainer = new SftTrainer(pm.model(), pm.tokenizer(), quick().build(), run);
      double before = trainer.evaluate(demonstrations(true));
      SftTrainer.Result result = trainer.train(demonstrations(false), demonstrations(true), null);
      assertThat(result.evalLoss()).isLessThan(0.7 * before);
      assertThat(result.steps()).isEqualTo(2 * 6); // 45 examples / batch 8 = 6 per epoch
      assertThat(run.history()).hasSize(12);
      assertThat(run.history().get(11).values()).containsKeys("eval_loss", "eval_perplexity");
      // Every demonstration ends in EOS (id 1 for a llama2.c model), so the model learns to stop.
      int eos = pm.tokenizer().eosId().getAsInt();
      assertThat(eos).isEqualTo(1);
      assertThat(Examples.encode(demonstrations(true), pm.tokenizer(), 64))
          .allMatch(e -> e.response()[e.response().length - 1] == eos);
    }
  }

  @Test
  void resumingAfterACrashReproducesTheUninterruptedRun() {
    SftConfig config = quick().checkpointEverySteps(4).build();
    ExactResume.Histories h =
        ExactResume.afterCrash(
            (run, checkpoints) -> {
              try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
                new SftTrainer(pm.model(), pm.tokenizer(), config, run)
                    .train(demonstrations(false), demonstrations(true), checkpoints);
              }
            },
            dir,
            6);
    // The crash after step 6 left the checkpoint of step 4: the rerun starts at step 5.
    assertThat(h.resumed().get(0).step()).isEqualTo(5);
    ExactResume.assertResumedExactly(h, 1e-6);
  }

  @Test
  void nanLossStopsNamingTheStepAndKeepsTheLastCheckpoint() {
    Path checkpoints = dir.resolve("nan");
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      // After step 2 is checkpointed, something poisons the weights.
      MetricsListener poison =
          new MetricsListener() {
            @Override
            public void onStep(StepMetrics metrics) {
              if (metrics.step() == 2) {
                pm.model().parameters().get("norm.weight").getArray().muli(Float.NaN);
              }
            }
          };
      TrainingRun run = new TrainingRun(List.of(poison));
      SftConfig config = quick().checkpointEverySteps(1).build();
      assertThatThrownBy(
              () ->
                  new SftTrainer(pm.model(), pm.tokenizer(), config, run)
                      .train(demonstrations(false), demonstrations(true), checkpoints))
          .isInstanceOf(TrainingDivergedException.class)
          .hasMessageStartingWith("sft step 3: loss is NaN");
    }
    Checkpoint last = Checkpoint.load(checkpoints);
    assertThat(last.optimizerStep()).isEqualTo(2);
    for (Tensor t : last.weights().values()) {
      for (float v : t.data()) {
        assertThat(Float.isFinite(v)).isTrue();
      }
    }
  }
}
