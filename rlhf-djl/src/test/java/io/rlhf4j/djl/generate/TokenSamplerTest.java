package io.rlhf4j.djl.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.rlhf4j.model.SamplingConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TokenSamplerTest {
  private static final float[] LOGITS = {5, 1, 3, 0, 2};

  // `rows` copies of LOGITS, each row with its own uniform from `random`.
  private static TokenSampler.Choices choose(
      SamplingConfig config, int rows, int banned, SplittableRandom random) {
    float[] logits = new float[rows * LOGITS.length];
    double[] uniforms = new double[rows];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(LOGITS, 0, logits, i * LOGITS.length, LOGITS.length);
      uniforms[i] = random.nextDouble();
    }
    try (NDManager m = NDManager.newBaseManager()) {
      return new TokenSampler(config)
          .choose(
              m.create(logits, new Shape(rows, LOGITS.length)),
              banned >= 0 ? new int[] {banned} : new int[0],
              uniforms);
    }
  }

  @Test
  void aBannedTopTokenLeavesTopKOneTheBestAllowedToken() {
    // EOS (token 0 here) is the most likely but banned before min-new-tokens; top-k 1 once
    // threw ArrayIndexOutOfBoundsException picking from an empty set.
    SamplingConfig topOne =
        SamplingConfig.builder().temperature(1).topK(1).minNewTokens(1).maxNewTokens(2).build();
    assertThat(choose(topOne, 50, 0, new SplittableRandom(1)).tokens()).containsOnly(2L);
  }

  @Test
  void withABannedTokenTheRestKeepTheirRelativeOdds() {
    SamplingConfig topTwo = SamplingConfig.builder().temperature(1).topK(2).maxNewTokens(2).build();
    int n = 40_000;
    long[] tokens = choose(topTwo, n, 0, new SplittableRandom(3)).tokens();
    int twos = 0;
    for (long token : tokens) {
      assertThat(token).isIn(2L, 4L); // the two best once token 0 is out
      twos += token == 2 ? 1 : 0;
    }
    double p = Math.exp(3) / (Math.exp(3) + Math.exp(2)); // 0.731
    assertThat((double) twos / n).isCloseTo(p, within(5 * Math.sqrt(p * (1 - p) / n)));
  }

  @Test
  void theReportedLogProbabilityIsTheFullSoftmaxOne() {
    SamplingConfig hot = SamplingConfig.builder().temperature(0.5).maxNewTokens(2).build();
    TokenSampler.Choices c = choose(hot, 1, -1, new SplittableRandom(2));
    double z = 0;
    for (float l : LOGITS) {
      z += Math.exp(l / 0.5);
    }
    int token = (int) c.tokens()[0];
    assertThat((double) c.logProbs()[0]).isCloseTo(LOGITS[token] / 0.5 - Math.log(z), within(1e-5));
  }

  @Test
  void choosesWhatTheDoublePrecisionHostReferenceChooses() {
    // 256 rows of a 1000-token vocabulary with peaked, realistic logits, under each rule; the same
    // uniform per row goes to both samplers.
    int rows = 256;
    int vocab = 1000;
    SplittableRandom logitsRandom = new SplittableRandom(17);
    float[] logits = new float[rows * vocab];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) (logitsRandom.nextGaussian() * 3);
    }
    SamplingConfig.Builder base = SamplingConfig.builder().maxNewTokens(4);
    SamplingConfig[] configs = {
      base.temperature(0.7).topK(0).topP(1).minNewTokens(0).build(),
      base.temperature(1.0).topK(40).topP(1).minNewTokens(0).build(),
      base.temperature(0.9).topK(0).topP(0.9).minNewTokens(0).build(),
      base.temperature(1.3).topK(100).topP(0.8).minNewTokens(2).build(),
      base.temperature(0).topK(0).topP(1).minNewTokens(2).build(),
    };
    for (SamplingConfig config : configs) {
      int banned = config.minNewTokens() > 0 ? 7 : -1;
      SplittableRandom forDevice = new SplittableRandom(23);
      SplittableRandom forHost = new SplittableRandom(23);
      double[] uniforms = new double[rows];
      for (int i = 0; i < rows; i++) {
        uniforms[i] = config.greedy() ? 0 : forDevice.nextDouble();
      }
      TokenSampler.Choices device;
      try (NDManager m = NDManager.newBaseManager()) {
        device =
            new TokenSampler(config)
                .choose(
                    m.create(logits, new Shape(rows, vocab)),
                    banned >= 0 ? new int[] {banned} : new int[0],
                    uniforms);
      }
      ReferenceSampler host = new ReferenceSampler(config);
      for (int i = 0; i < rows; i++) {
        ReferenceSampler.Choice expected = host.choose(logits, i * vocab, vocab, banned, forHost);
        assertThat(device.tokens()[i]).as("%s row %s", config, i).isEqualTo(expected.token());
        assertThat((double) device.logProbs()[i])
            .as("%s row %s", config, i)
            .isCloseTo(expected.logProb(), within(1e-4));
      }
    }
  }
}
