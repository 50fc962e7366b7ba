package io.rlhf4j.examples.demo;

import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.model.SamplingConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What the GRPO demos ({@link ToolDemo}, {@link RlvrDemo}) share: 8 prompts × 4 samples per
 * iteration, two epochs of 16-sample minibatches, and a pass over the training prompts in order.
 */
final class DemoGrpo {
  private DemoGrpo() {}

  /** GRPO at the demos' sizes, with {@code learningRate} and {@code seed}. */
  static PpoConfig.Builder config(double learningRate, SamplingConfig sampling, long seed) {
    return PpoConfig.grpo()
        .rolloutBatchSize(8)
        .samplesPerPrompt(4)
        .miniBatchSize(16)
        .ppoEpochs(2)
        .sampling(sampling)
        .policyOptimizer(AdamWConfig.of(learningRate))
        .seed(seed);
  }

  /** {@code iterations} steps on the training prompts in order, wrapping around. */
  static void train(DjlPpoTrainer grpo, PpoConfig config, List<int[]> train, int iterations) {
    int batchSize = config.rolloutBatchSize();
    for (int it = 0; it < iterations; it++) {
      List<int[]> batch = new ArrayList<>();
      for (int j = 0; j < batchSize; j++) {
        batch.add(train.get((it * batchSize + j) % train.size()));
      }
      grpo.step(batch);
    }
  }
}
