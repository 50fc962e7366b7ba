package io.rlhf4j.train.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class GspoSurrogateTest {
  private static final double[][] OLD = new double[2][3];
  private static final double[][] MASK = {{1, 1, 0}, {1, 0, 0}};
  private static final double[][] ADVANTAGES = {{1, 1, 1}, {-1, -1, -1}};

  @Test
  void oneRatioPerSequenceTheGeometricMeanOfItsTokensClipped() {
    // Row 0: log-ratios 0.1 and −0.3 average −0.1, s = e^−0.1 = 0.904837, inside [0.8, 1.2], A = 1:
    // ℓ = −0.904837 at both tokens (the padding's 9 is not read). Row 1: s = e^−0.6 = 0.548812,
    // A = −1: max(0.548812, 0.8) = 0.8. Sequence mean of token means: (−0.904837 + 0.8) / 2.
    double[][] logp = {{0.1, -0.3, 9}, {-0.6, 0, 0}};
    GspoSurrogate gspo = new GspoSurrogate(0.2, 0.2);
    double[][] token = gspo.tokenLosses(logp, OLD, ADVANTAGES, MASK);
    assertThat(token[0][0]).isCloseTo(-0.904837418, within(1e-9));
    assertThat(token[0][1]).isCloseTo(-0.904837418, within(1e-9));
    assertThat(token[0][2]).isZero();
    assertThat(token[1][0]).isCloseTo(0.8, within(1e-12));
    assertThat(LossAggregation.SEQ_MEAN_TOKEN_MEAN.aggregate(token, MASK))
        .isCloseTo((-0.904837418 + 0.8) / 2, within(1e-9));
  }

  @Test
  void itDiffersFromPposTokenRatiosWhereTokensDisagree() {
    // PPO clips token 1's ratio e^0.5 = 1.6487 at 1.2 and keeps token 2's e^−0.5 = 0.6065 as is
    // (A = 1: max(−0.6065, −0.8)); GSPO sees one ratio e^0 = 1 and no clipping.
    double[][] logp = {{0.5, -0.5, 0}, {0, 0, 0}};
    double[][] ppo = new ClippedSurrogate(0.2, 0.2).tokenLosses(logp, OLD, ADVANTAGES, MASK);
    double[][] gspo = new GspoSurrogate(0.2, 0.2).tokenLosses(logp, OLD, ADVANTAGES, MASK);
    assertThat(ppo[0][0]).isCloseTo(-1.2, within(1e-12));
    assertThat(ppo[0][1]).isCloseTo(-Math.exp(-0.5), within(1e-12));
    assertThat(gspo[0][0]).isCloseTo(-1, within(1e-12));
    assertThat(gspo[0][1]).isCloseTo(-1, within(1e-12));
  }

  @Test
  void thePapersNarrowRangeClipsSmallSequenceMoves() {
    // s = e^0.001 = 1.0010005 > 1 + 4e-4 with A = 1: the clipped −1.0004 is the max.
    double[][] logp = {{0.001, 0.001, 0}, {0, 0, 0}};
    double[][] token = new GspoSurrogate(3e-4, 4e-4).tokenLosses(logp, OLD, ADVANTAGES, MASK);
    assertThat(token[0][0]).isCloseTo(-1.0004, within(1e-12));
  }
}
