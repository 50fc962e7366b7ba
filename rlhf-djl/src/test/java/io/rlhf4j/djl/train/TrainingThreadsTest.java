package io.rlhf4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.djl.train.sft.SftConfig;
import io.rlhf4j.djl.train.sft.SftTrainer;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.MetricsListener;
import io.rlhf4j.train.StepMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Training from application threads: any thread works, two at once fail fast and clearly. */
class TrainingThreadsTest {
  private static List<Demonstration> demos() {
    List<Demonstration> out = new ArrayList<>();
    for (String name : List.of("Lily", "Tom", "Sue", "Ben", "Mia", "Max", "Anna", "Sam")) {
      out.add(new Demonstration(name + " had a ball.", " " + name + " played with a friend."));
    }
    return out;
  }

  private static SftConfig sft() {
    return SftConfig.builder().epochs(2).batchSize(4).maxLength(32).build();
  }

  @Test
  void sftAndPpoTrainOnAPoolThreadAfterTheEngineStartedOnAnother() throws Exception {
    Engine.getInstance(); // the engine starts here, on the test's thread, as in an application
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Long> sftSteps =
          pool.submit(
              () -> {
                try (PretrainedModel pm =
                    PretrainedModel.load(TestModels.stories(), Device.cpu())) {
                  return new SftTrainer(
                          pm.model(), pm.tokenizer(), sft(), new TrainingRun(List.of()))
                      .train(demos(), List.of(), null)
                      .steps();
                }
              });
      assertThat(sftSteps.get(120, TimeUnit.SECONDS)).isEqualTo(4);
      Future<StepMetrics> ppoStep =
          pool.submit(
              () -> {
                try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
                    CausalLm value = pm.model().withScalarHead(1, Device.cpu());
                    DjlPpoTrainer ppo =
                        new DjlPpoTrainer(
                            RlModels.builder(
                                    pm.model(), (p, r) -> new double[p.size()], pm.tokenizer())
                                .valueModel(value)
                                .build(),
                            PpoConfig.builder()
                                .rolloutBatchSize(4)
                                .miniBatchSize(2)
                                .sampling(SamplingConfig.builder().maxNewTokens(8).build())
                                .build(),
                            List.of(),
                            new TrainingRun(List.of()))) {
                  return ppo.step(
                      List.of(
                          pm.tokenizer().encode("Lily", true),
                          pm.tokenizer().encode("Tom", true),
                          pm.tokenizer().encode("Sue", true),
                          pm.tokenizer().encode("Ben", true)));
                }
              });
      assertThat(ppoStep.get(120, TimeUnit.SECONDS).get("policy_grad_norm")).isPositive();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSecondTrainingAtTheSameTimeFailsBeforeItStarts() throws Exception {
    CountDownLatch firstStepDone = new CountDownLatch(1);
    CountDownLatch mayContinue = new CountDownLatch(1);
    MetricsListener pause =
        new MetricsListener() {
          @Override
          public void onStep(StepMetrics m) {
            if (m.step() == 1) {
              firstStepDone.countDown();
              try {
                mayContinue.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }
        };
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "first-trainer"));
    try (PretrainedModel a = PretrainedModel.load(TestModels.stories(), Device.cpu());
        PretrainedModel b = PretrainedModel.load(TestModels.stories(), Device.cpu())) {
      Future<SftTrainer.Result> first =
          pool.submit(
              () ->
                  new SftTrainer(a.model(), a.tokenizer(), sft(), new TrainingRun(List.of(pause)))
                      .train(demos(), List.of(), null));
      assertThat(firstStepDone.await(60, TimeUnit.SECONDS)).isTrue();
      float before = b.model().toTensors().get("norm.weight").data()[0];
      assertThatThrownBy(
              () ->
                  new SftTrainer(b.model(), b.tokenizer(), sft(), new TrainingRun(List.of()))
                      .train(demos(), List.of(), null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("sft on thread 'first-trainer' is training in this JVM")
          .hasMessageContaining("one training at a time");
      assertThat(b.model().toTensors().get("norm.weight").data()[0]).isEqualTo(before);
      mayContinue.countDown();
      assertThat(first.get(120, TimeUnit.SECONDS).steps()).isEqualTo(4);
      // Once the first is done, the second may train.
      assertThat(
              new SftTrainer(b.model(), b.tokenizer(), sft(), new TrainingRun(List.of()))
                  .train(demos(), List.of(), null)
                  .steps())
          .isEqualTo(4);
    } finally {
      mayContinue.countDown();
      pool.shutdownNow();
    }
  }
}
