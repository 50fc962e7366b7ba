package io.rlhf4j.train.rl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Each estimator against numbers worked by hand. */
class EstimatorsTest {
  private static final double EPS = 1e-12;

  // Five rows: prompt 0 sampled three times (scores 1, 2, 3), prompt 1 twice (5, 5); response
  // lengths 1, 2, 1, 3, 1 in a width of 3; no KL penalty.
  private static EstimatorInput groups() {
    double[][] mask = {{1, 0, 0}, {1, 1, 0}, {1, 0, 0}, {1, 1, 1}, {1, 0, 0}};
    return new EstimatorInput(
        new double[] {1, 2, 3, 5, 5}, new double[5][3], mask, new int[] {0, 0, 0, 1, 1}, null);
  }

  // Row b's advantage at every response token, and 0 at padding.
  private static void assertBroadcast(Advantages a, double... perRow) {
    double[][] mask = groups().mask();
    for (int b = 0; b < perRow.length; b++) {
      for (int t = 0; t < 3; t++) {
        assertThat(a.advantages()[b][t])
            .as("row %s token %s", b, t)
            .isCloseTo(mask[b][t] * perRow[b], within(EPS));
      }
    }
    assertThat(a.returns()).isNull();
  }

  @Test
  void grpoNormalisesWithinEachPromptsGroup() {
    // Prompt 0: mean 2, unbiased std 1. Prompt 1: std 0, so its advantages are 0, not NaN.
    double s = 1 / (1 + GrpoEstimator.EPSILON);
    assertBroadcast(new GrpoEstimator().estimate(groups()), -s, 0, s, 0, 0);
  }

  @Test
  void grpoStaysExactWhenScoresAreLargeNextToTheirSpread() {
    // Scores 1e5 + 0.001 … 0.004: mean 1e5 + 0.0025, deviations ±0.0015 and ±0.0005, Σd² = 5e-6,
    // unbiased std √(5e-6 / 3) = 1.290994e-3; A = d / (std + 1e-4) = ±1.078365, ±0.359455.
    double[] scores = {1e5 + 0.001, 1e5 + 0.002, 1e5 + 0.003, 1e5 + 0.004};
    double[][] mask = {{1}, {1}, {1}, {1}};
    Advantages a =
        new GrpoEstimator()
            .estimate(
                new EstimatorInput(scores, new double[4][1], mask, new int[] {0, 0, 0, 0}, null));
    double std = Math.sqrt(5e-6 / 3);
    double[] expected = {-0.0015, -0.0005, 0.0005, 0.0015};
    for (int b = 0; b < 4; b++) {
      assertThat(a.advantages()[b][0]).isCloseTo(expected[b] / (std + 1e-4), within(1e-6));
    }
    assertThat(a.advantages()[3][0]).isCloseTo(1.078365, within(1e-6));
  }

  @Test
  void drGrpoOnlyCentres() {
    assertBroadcast(new DrGrpoEstimator().estimate(groups()), -1, 0, 1, 0, 0);
  }

  @Test
  void rlooSubtractsTheMeanOfTheOthers() {
    // 1 − (2 + 3)/2 = −1.5;  2 − (1 + 3)/2 = 0;  3 − (1 + 2)/2 = 1.5
    assertBroadcast(new RlooEstimator().estimate(groups()), -1.5, 0, 1.5, 0, 0);
  }

  @Test
  void sequenceEstimatorsSeeTheKlPenaltyWhenItIsInTheReward() {
    // Row 1 loses 0.25 + 0.25 to the KL: its sequence reward is 1.5, so prompt 0's rewards are
    // 1, 1.5, 3 (mean 11/6) and RLOO gives 1 − 2.25 = −1.25, 1.5 − 2 = −0.5, 3 − 1.25 = 1.75.
    EstimatorInput g = groups();
    double[][] penalty = new double[5][3];
    penalty[1][0] = -0.25;
    penalty[1][1] = -0.25;
    EstimatorInput in = new EstimatorInput(g.scores(), penalty, g.mask(), g.groups(), null);
    assertBroadcast(new RlooEstimator().estimate(in), -1.25, -0.5, 1.75, 0, 0);
  }

  // Two rows of one prompt: row 0 with 2 tokens, penalties −0.1, −0.2 and score 1; row 1 with one
  // token, penalty −0.3 and score 0.
  private static EstimatorInput shaped() {
    return new EstimatorInput(
        new double[] {1, 0},
        new double[][] {{-0.1, -0.2}, {-0.3, 0}},
        new double[][] {{1, 1}, {1, 0}},
        new int[] {0, 0},
        new double[][] {{0.5, 0.2}, {0.4, 0}});
  }

  @Test
  void reinforcePlusPlusWhitensKlShapedReturnsOverTheBatch() {
    // R = [−0.1, −0.2 + 1], [−0.3] → returns-to-go G = [0.7, 0.8], [−0.3]. Over the 3 tokens the
    // mean is 0.4 and the unbiased variance (0.09 + 0.16 + 0.49) / 2 = 0.37.
    Advantages a = new ReinforcePlusPlusEstimator(1, false).estimate(shaped());
    double sd = Math.sqrt(0.37 + 1e-8);
    assertThat(a.advantages()[0][0]).isCloseTo(0.3 / sd, within(EPS));
    assertThat(a.advantages()[0][1]).isCloseTo(0.4 / sd, within(EPS));
    assertThat(a.advantages()[1][0]).isCloseTo(-0.7 / sd, within(EPS));
    assertThat(a.advantages()[1][1]).isZero();
    assertThat(a.returns()).isNull();
  }

  @Test
  void reinforcePlusPlusWithABaselineCentresTheScoresFirst() {
    // Scores 1, 0 lose their mean 0.5: R = [−0.1, 0.3], [−0.8] → G = [0.2, 0.3], [−0.8], mean
    // −0.1, deviations 0.3, 0.4, −0.7: the same whitened values as without the baseline here.
    // With γ = 0.5 the first return is −0.1 + 0.5·0.3 = 0.05 instead: mean (0.05+0.3−0.8)/3.
    Advantages a = new ReinforcePlusPlusEstimator(0.5, true).estimate(shaped());
    double mean = (0.05 + 0.3 - 0.8) / 3;
    double var =
        (Math.pow(0.05 - mean, 2) + Math.pow(0.3 - mean, 2) + Math.pow(-0.8 - mean, 2)) / 2;
    double sd = Math.sqrt(var + 1e-8);
    assertThat(a.advantages()[0][0]).isCloseTo((0.05 - mean) / sd, within(EPS));
    assertThat(a.advantages()[0][1]).isCloseTo((0.3 - mean) / sd, within(EPS));
    assertThat(a.advantages()[1][0]).isCloseTo((-0.8 - mean) / sd, within(EPS));
  }

  @Test
  void gaeUsesTheCriticsValues() {
    // Row 0, γ = λ = 1, values 0.5, 0.2: δ_1 = 0.8 − 0.2 = 0.6, δ_0 = −0.1 + 0.2 − 0.5 = −0.4,
    // A = [0.2, 0.6], returns A + V = [0.7, 0.8]. Row 1: δ = −0.3 − 0.4, A = −0.7, return −0.3.
    Advantages a = new GaeEstimator(1, 1, false).estimate(shaped());
    assertThat(a.advantages()[0][0]).isCloseTo(0.2, within(EPS));
    assertThat(a.advantages()[0][1]).isCloseTo(0.6, within(EPS));
    assertThat(a.advantages()[1][0]).isCloseTo(-0.7, within(EPS));
    assertThat(a.returns()[0][0]).isCloseTo(0.7, within(EPS));
    assertThat(a.returns()[1][0]).isCloseTo(-0.3, within(EPS));
  }

  @Test
  void theRegistryNamesEachAsOpenRlhfDoesAndKnowsWhatItNeeds() {
    assertThat(AdvantageEstimators.canonical("group_norm")).isEqualTo("grpo");
    assertThat(AdvantageEstimators.canonical("GRPO")).isEqualTo("grpo");
    assertThat(AdvantageEstimators.canonical("dr-grpo")).isEqualTo("dr_grpo");
    assertThat(AdvantageEstimators.canonical("reinforce_baseline"))
        .isEqualTo("reinforce_pp_baseline");
    assertThat(AdvantageEstimators.canonical("reinforce++")).isEqualTo("reinforce_pp");
    EstimatorSettings settings = EstimatorSettings.defaults();
    for (String name :
        List.of("gae", "grpo", "dr_grpo", "rloo", "reinforce_pp", "reinforce_pp_baseline")) {
      AdvantageEstimator created = AdvantageEstimators.create(name, settings);
      assertThat(created.needsCritic()).as(name).isEqualTo(name.equals("gae"));
      assertThat(created.needsGroups())
          .as(name)
          .isEqualTo(!name.equals("gae") && !name.equals("reinforce_pp"));
    }
    assertThat(AdvantageEstimators.create("gae", new EstimatorSettings(0.9, 0.5, false)))
        .isEqualTo(new GaeEstimator(0.9, 0.5, false));
    assertThatThrownBy(() -> AdvantageEstimators.canonical("ppo2"))
        .hasMessageContaining("unknown advantage estimator 'ppo2'")
        .hasMessageContaining("grpo");
  }

  @Test
  void openRlhfsOrderBaselinesTheScoresThenAddsTheKlStillAhead() {
    // Scores 1 and 3 in one group; KL penalties −0.1, −0.2 (row 0) and −0.3 (row 1, one token).
    // GRPO on the scores alone: mean 2, unbiased std √2, b = ∓1 / (√2 + 1e-4) = ∓0.7070568.
    // Row 0: (b − 0.3, b − 0.2); row 1: b' − 0.3. verl's order normalises 0.7 and 2.7 instead:
    // the same ∓0.7070568 at every token, KL and all.
    EstimatorInput in =
        new EstimatorInput(
            new double[] {1, 3},
            new double[][] {{-0.1, -0.2}, {-0.3, 0}},
            new double[][] {{1, 1}, {1, 0}},
            new int[] {0, 0},
            null);
    double b = 1 / (Math.sqrt(2) + 1e-4);
    double[][] first = new ScoreFirstEstimator(new GrpoEstimator(), 1).estimate(in).advantages();
    assertThat(first[0][0]).isCloseTo(-b - 0.3, within(1e-12));
    assertThat(first[0][1]).isCloseTo(-b - 0.2, within(1e-12));
    assertThat(first[1][0]).isCloseTo(b - 0.3, within(1e-12));
    assertThat(first[1][1]).isZero();
    double[][] verl = new GrpoEstimator().estimate(in).advantages();
    assertThat(verl[0][0]).isCloseTo(-b, within(1e-12));
    assertThat(verl[0][1]).isCloseTo(-b, within(1e-12));
    assertThat(b).isCloseTo(0.7070568, within(1e-7));
  }

  @Test
  void aTakenNameIsRefusedAndTheTableIsUnchanged() {
    assertThatThrownBy(() -> AdvantageEstimators.register("GRPO", s -> new RlooEstimator()))
        .hasMessageContaining("'grpo' is already registered");
    assertThatThrownBy(() -> AdvantageEstimators.register("group-norm", s -> new RlooEstimator()))
        .hasMessageContaining("'group_norm' is already registered");
    assertThat(AdvantageEstimators.create("grpo", EstimatorSettings.defaults()))
        .isInstanceOf(GrpoEstimator.class);
  }

  @Test
  void aGroupOfOneIsRefusedWhereSamplesAreCompared() {
    EstimatorInput single =
        new EstimatorInput(
            new double[] {1, 2},
            new double[2][1],
            new double[][] {{1}, {1}},
            new int[] {0, 1},
            null);
    assertThatThrownBy(() -> new GrpoEstimator().estimate(single))
        .hasMessageContaining("GRPO compares samples of a prompt: it needs 2 or more per prompt");
  }

  @Test
  void groupStatsFindTheGroupsWithoutSignal() {
    EstimatorInput g = groups();
    assertThat(GroupStats.flatShare(g.scores(), g.groups())).isEqualTo(0.5);
    assertThat(GroupStats.meanStd(g.scores(), g.groups())).isCloseTo(0.5, within(EPS));
  }
}
