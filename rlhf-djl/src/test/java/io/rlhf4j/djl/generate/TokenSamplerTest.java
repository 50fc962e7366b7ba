package io.rlhf4j.djl.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rlhf4j.model.SamplingConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TokenSamplerTest {
  private static final float[] LOGITS = {5, 1, 3, 0, 2};

  @Test
  void aBannedTopTokenLeavesTopKOneTheBestAllowedToken() {
    // EOS (token 0 here) is the most likely but banned before min-new-tokens; top-k 1 once
    // threw ArrayIndexOutOfBoundsException picking from an empty set.
    TokenSampler topOne =
        new TokenSampler(
            SamplingConfig.builder()
                .temperature(1)
                .topK(1)
                .minNewTokens(1)
                .maxNewTokens(2)
                .build());
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 50; i++) {
      assertThat(topOne.choose(LOGITS, 0, LOGITS.length, 0, random).token()).isEqualTo(2);
    }
  }

  @Test
  void withABannedTokenTheRestKeepTheirRelativeOdds() {
    TokenSampler sampler =
        new TokenSampler(SamplingConfig.builder().temperature(1).topK(2).maxNewTokens(2).build());
    SplittableRandom random = new SplittableRandom(3);
    int n = 40_000;
    int twos = 0;
    for (int i = 0; i < n; i++) {
      int token = sampler.choose(LOGITS, 0, LOGITS.length, 0, random).token();
      assertThat(token).isIn(2, 4); // the two best once token 0 is out
      twos += token == 2 ? 1 : 0;
    }
    double p = Math.exp(3) / (Math.exp(3) + Math.exp(2)); // 0.731
    assertThat((double) twos / n).isCloseTo(p, within(5 * Math.sqrt(p * (1 - p) / n)));
  }

  @Test
  void theReportedLogProbabilityIsTheFullSoftmaxOne() {
    TokenSampler sampler =
        new TokenSampler(SamplingConfig.builder().temperature(0.5).maxNewTokens(2).build());
    TokenSampler.Choice c = sampler.choose(LOGITS, 0, LOGITS.length, -1, new SplittableRandom(2));
    double z = 0;
    for (float l : LOGITS) {
      z += Math.exp(l / 0.5);
    }
    assertThat(c.logProb()).isCloseTo(LOGITS[c.token()] / 0.5 - Math.log(z), within(1e-12));
  }
}
