package io.rlhf4j.train.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RankingLossTest {
  // -log σ(1) = log(1 + e^-1) and -log σ(2) = log(1 + e^-2), to 17 digits (Wolfram Alpha).
  private static final double NLS1 = 0.31326168751822286;
  private static final double NLS2 = 0.12692801104297263;
  private static final double LOG2 = 0.6931471805599453;

  @Test
  void pairLossIsNegativeLogSigmoidOfRewardGap() {
    assertThat(RankingLoss.promptLoss(new double[] {1, 0}, List.of(1, 2), 0))
        .isCloseTo(NLS1, within(1e-15));
    // Order of the responses does not matter, only their ranks.
    assertThat(RankingLoss.promptLoss(new double[] {0, 1}, List.of(2, 1), 0))
        .isCloseTo(NLS1, within(1e-15));
  }

  @Test
  void kWiseLossAveragesOverAllCk2Pairs() {
    // Ranks 1 > 2 > 3 with rewards 2, 1, 0: gaps 1 (0v1), 2 (0v2), 1 (1v2), C(3,2) = 3 pairs.
    double expected = (NLS1 + NLS2 + NLS1) / 3;
    assertThat(RankingLoss.promptLoss(new double[] {2, 1, 0}, List.of(1, 2, 3), 0))
        .isCloseTo(expected, within(1e-15));
  }

  @Test
  void tiesGiveNoPairAndAllTiedGivesZero() {
    // [1, 1, 2] with equal rewards: two pairs (0v2, 1v2), each -log σ(0) = log 2.
    assertThat(RankingLoss.promptLoss(new double[] {5, 5, 5}, List.of(1, 1, 2), 0))
        .isCloseTo(LOG2, within(1e-15));
    assertThat(RankingLoss.promptLoss(new double[] {3, -3}, List.of(1, 1), 0)).isZero();
  }

  @Test
  void marginShiftsTheGap() {
    assertThat(RankingLoss.promptLoss(new double[] {1, 0}, List.of(1, 2), 1))
        .isCloseTo(LOG2, within(1e-15));
  }

  @Test
  void stableForHugeGaps() {
    assertThat(RankingLoss.promptLoss(new double[] {1e4, 0}, List.of(1, 2), 0)).isEqualTo(0.0);
    assertThat(RankingLoss.promptLoss(new double[] {0, 1e4}, List.of(1, 2), 0))
        .isCloseTo(1e4, within(1e-9));
    assertThat(RankingLoss.promptLoss(new double[] {-5e3, 5e3}, List.of(1, 2), 0))
        .isFinite()
        .isCloseTo(1e4, within(1e-9));
  }

  @Test
  void everyPromptWeighsTheSameWhateverItsK() {
    // Prompt A: K=2, loss NLS1. Prompt B: K=3 as above. Batch = mean of the two prompt losses,
    // not the mean over the 4 pairs.
    double batch =
        RankingLoss.batchLoss(
            List.of(new double[] {1, 0}, new double[] {2, 1, 0}),
            List.of(List.of(1, 2), List.of(1, 2, 3)),
            new double[] {0, 0});
    assertThat(batch).isCloseTo((NLS1 + (2 * NLS1 + NLS2) / 3) / 2, within(1e-15));
  }

  @Test
  void batchSkipsAllTiedPrompts() {
    double batch =
        RankingLoss.batchLoss(
            List.of(new double[] {1, 0}, new double[] {7, 7}),
            List.of(List.of(1, 2), List.of(1, 1)),
            new double[] {0, 0});
    assertThat(batch).isCloseTo(NLS1, within(1e-15));
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    Random random = new Random(7);
    for (int trial = 0; trial < 20; trial++) {
      int k = 2 + random.nextInt(8);
      double[] r = new double[k];
      Integer[] ranks = new Integer[k];
      for (int i = 0; i < k; i++) {
        r[i] = random.nextGaussian() * 3;
        ranks[i] = 1 + random.nextInt(k);
      }
      double margin = random.nextBoolean() ? 0 : random.nextDouble();
      List<Integer> rankList = List.of(ranks);
      double[] grad = RankingLoss.promptLossGradient(r, rankList, margin);
      double h = 1e-6;
      for (int i = 0; i < k; i++) {
        double[] plus = r.clone();
        double[] minus = r.clone();
        plus[i] += h;
        minus[i] -= h;
        double fd =
            (RankingLoss.promptLoss(plus, rankList, margin)
                    - RankingLoss.promptLoss(minus, rankList, margin))
                / (2 * h);
        assertThat(grad[i]).as("trial %s, dL/dr_%s", trial, i).isCloseTo(fd, within(1e-7));
      }
    }
  }

  @Test
  void accuracyCountsPairsAndHalvesRewardTies() {
    double acc =
        RankingLoss.accuracy(
            List.of(new double[] {1, 0}, new double[] {0, 1, 2}, new double[] {3, 3}),
            List.of(List.of(1, 2), List.of(1, 2, 3), List.of(1, 2)));
    // 1 right; 0 of 3 right; 1 reward tie = 0.5. Total 1.5 / 5.
    assertThat(acc).isCloseTo(0.3, within(1e-15));
  }

  @Test
  void rejectsMalformedInput() {
    assertThatThrownBy(() -> RankingLoss.promptLoss(new double[] {1}, List.of(1), 0))
        .hasMessageContaining("K >= 2");
    assertThatThrownBy(() -> RankingLoss.promptLoss(new double[] {1, 2}, List.of(1), 0))
        .hasMessageContaining("1 ranks for 2 rewards");
    assertThatThrownBy(() -> RankingLoss.promptLoss(new double[] {1, 2}, List.of(1, 2), -1))
        .hasMessageContaining("margin");
  }
}
