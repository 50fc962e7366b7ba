package io.rlhf4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.rlhf4j.djl.internal.train.RankingBatch;
import io.rlhf4j.djl.train.rl.CispoLoss;
import io.rlhf4j.djl.train.rl.GspoLoss;
import io.rlhf4j.djl.train.rl.PpoClipLoss;
import io.rlhf4j.train.dpo.DpoLossType;
import io.rlhf4j.train.dpo.DpoObjective;
import io.rlhf4j.train.kto.KtoObjective;
import io.rlhf4j.train.ppo.KlEstimator;
import io.rlhf4j.train.ppo.PpoLoss;
import io.rlhf4j.train.ppo.PtxLoss;
import io.rlhf4j.train.reward.RankingLoss;
import io.rlhf4j.train.rl.CispoSurrogate;
import io.rlhf4j.train.rl.ClippedSurrogate;
import io.rlhf4j.train.rl.GspoSurrogate;
import io.rlhf4j.train.rl.LossAggregation;
import io.rlhf4j.train.rl.PolicyObjective;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every tensor loss against its plain-Java double-precision reference in rlhf-core, on random
 * inputs: values to 1e-5, and autograd gradients against central finite differences of the
 * reference.
 */
class LossesTest {
  private static final int B = 3;
  private static final int T = 5;
  private NDManager manager;
  private final Random random = new Random(42);

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private double[][] randn(double scale) {
    double[][] x = new double[B][T];
    for (double[] row : x) {
      for (int t = 0; t < T; t++) {
        row[t] = random.nextGaussian() * scale;
      }
    }
    return x;
  }

  private static final double[][] MASK = {{1, 1, 1, 0, 0}, {1, 1, 1, 1, 1}, {1, 0, 0, 0, 0}};

  private NDArray nd(double[][] x) {
    float[] flat = new float[B * T];
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        flat[b * T + t] = (float) x[b][t];
      }
    }
    return manager.create(flat, new Shape(B, T));
  }

  /** Checks d(tensor loss)/d(input) against finite differences of the reference loss. */
  private void checkGradient(
      double[][] input,
      Function<NDArray, NDArray> tensorLoss,
      Function<double[][], Double> reference) {
    NDArray x = nd(input);
    x.setRequiresGradient(true);
    float[] grad;
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray loss = tensorLoss.apply(x);
      gc.backward(loss);
      grad = x.getGradient().toFloatArray();
    }
    double h = 1e-6;
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        double saved = input[b][t];
        input[b][t] = saved + h;
        double plus = reference.apply(input);
        input[b][t] = saved - h;
        double minus = reference.apply(input);
        input[b][t] = saved;
        assertThat((double) grad[b * T + t])
            .as("gradient at [%s][%s]", b, t)
            .isCloseTo((plus - minus) / (2 * h), within(1e-4));
      }
    }
  }

  @Test
  void tokenNllMatchesPtxReference() {
    double[][] logp = randn(1);
    NDArray mask = nd(MASK);
    double gamma = 0.7;
    assertThat(Losses.tokenNll(nd(logp), mask).mul((float) gamma).getFloat())
        .isCloseTo((float) PtxLoss.loss(logp, MASK, gamma), within(1e-5f));
    checkGradient(
        logp, x -> Losses.tokenNll(x, mask).mul((float) gamma), x -> PtxLoss.loss(x, MASK, gamma));
  }

  @Test
  void policyLossMatchesReference() {
    double[][] logpOld = randn(1);
    double[][] logpNew = randn(1);
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        logpNew[b][t] = logpOld[b][t] + random.nextGaussian() * 0.3; // some ratios clip
      }
    }
    double[][] adv = randn(1);
    NDArray mask = nd(MASK);
    float value = Losses.policyLoss(nd(logpNew), nd(logpOld), nd(adv), mask, 0.2).getFloat();
    assertThat(value)
        .isCloseTo((float) PpoLoss.policyLoss(logpNew, logpOld, adv, MASK, 0.2), within(1e-5f));
    checkGradient(
        logpNew,
        x -> Losses.policyLoss(x, nd(logpOld), nd(adv), mask, 0.2),
        x -> PpoLoss.policyLoss(x, logpOld, adv, MASK, 0.2));
  }

  @Test
  void generalPolicyObjectiveMatchesReferenceForEveryOption() {
    double[][] logpOld = randn(1);
    double[][] logpNew = randn(1);
    double[][] logpRef = randn(1);
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        logpNew[b][t] = logpOld[b][t] + random.nextGaussian() * 0.3;
        logpRef[b][t] = logpOld[b][t] + random.nextGaussian() * 0.3;
      }
    }
    double[][] adv = randn(1);
    double[][] entropy = randn(1);
    for (LossAggregation aggregation : LossAggregation.values()) {
      for (KlEstimator kl : KlEstimator.values()) {
        PolicyObjective o = new PolicyObjective(0.2, 0.28, 0.1, kl, 0.01, aggregation);
        NDArray denominator = manager.create((float) aggregation.denominator(MASK));
        java.util.function.Function<NDArray, NDArray> tensor =
            x ->
                Losses.policyObjective(
                    new PpoClipLoss(0.2, 0.28),
                    PolicyTokens.of(x, nd(logpOld), nd(adv), nd(MASK))
                        .withReference(nd(logpRef))
                        .withEntropy(nd(entropy)),
                    denominator,
                    o);
        assertThat(tensor.apply(nd(logpNew)).getFloat())
            .as("%s %s", aggregation, kl)
            .isCloseTo(
                (float) o.loss(logpNew, logpOld, logpRef, adv, entropy, MASK), within(1e-5f));
        checkGradient(logpNew, tensor, x -> o.loss(x, logpOld, logpRef, adv, entropy, MASK));
      }
    }
  }

  @Test
  void gspoMatchesTheSequenceLevelReferenceWithGradients() {
    // One advantage per row, as the group estimators make them; GSPO's aggregation. The gradient of
    // the tensor form (sequence ratio detached, times each token's ratio to itself) must equal the
    // finite differences of the paper's sequence-level objective.
    double[][] logpOld = randn(1);
    double[][] logpNew = randn(1);
    double[][] adv = new double[B][T];
    for (int b = 0; b < B; b++) {
      double a = random.nextGaussian();
      for (int t = 0; t < T; t++) {
        logpNew[b][t] = logpOld[b][t] + random.nextGaussian() * 0.3;
        adv[b][t] = a;
      }
    }
    for (double clip : new double[] {0.2, 0.02}) { // the second clips some rows
      PolicyObjective o =
          new PolicyObjective(
              new GspoSurrogate(clip, clip),
              0,
              KlEstimator.K1,
              0,
              LossAggregation.SEQ_MEAN_TOKEN_MEAN);
      NDArray denominator = manager.create((float) B);
      java.util.function.Function<NDArray, NDArray> tensor =
          x ->
              Losses.policyObjective(
                  new GspoLoss(clip, clip),
                  PolicyTokens.of(x, nd(logpOld), nd(adv), nd(MASK)),
                  denominator,
                  o);
      assertThat(tensor.apply(nd(logpNew)).getFloat())
          .as("clip %s", clip)
          .isCloseTo((float) o.loss(logpNew, logpOld, null, adv, null, MASK), within(1e-5f));
      checkGradient(logpNew, tensor, x -> o.loss(x, logpOld, null, adv, null, MASK));
    }
  }

  @Test
  void cispoMatchesItsReferenceAndKeepsTheGradientOfClippedTokens() {
    // The reference's value at the point, and its gradient with the weights held at their values
    // there (finite differences of −Σ w·A·x with w frozen): every token has −w·A/denominator,
    // including those whose ratio left the range, where PPO's clipped surrogate has none.
    double[][] logpOld = randn(1);
    double[][] logpNew = randn(1);
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        logpNew[b][t] = logpOld[b][t] + random.nextGaussian() * 0.5; // some ratios clip
      }
    }
    double[][] adv = randn(1);
    CispoSurrogate reference = new CispoSurrogate(1, 0.28);
    PolicyObjective o =
        new PolicyObjective(reference, 0, KlEstimator.K1, 0, LossAggregation.TOKEN_MEAN);
    NDArray denominator = manager.create((float) LossAggregation.TOKEN_MEAN.denominator(MASK));
    Function<NDArray, NDArray> tensor =
        x ->
            Losses.policyObjective(
                new CispoLoss(1, 0.28),
                PolicyTokens.of(x, nd(logpOld), nd(adv), nd(MASK)),
                denominator,
                o);
    assertThat(tensor.apply(nd(logpNew)).getFloat())
        .isCloseTo((float) o.loss(logpNew, logpOld, null, adv, null, MASK), within(1e-5f));
    double[][] frozen = new double[B][T];
    int clipped = 0;
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        frozen[b][t] = reference.weight(logpNew[b][t], logpOld[b][t]);
        clipped += MASK[b][t] != 0 && frozen[b][t] == 1.28 ? 1 : 0;
      }
    }
    assertThat(clipped).as("tokens clipped at 1 + ε_high").isPositive();
    checkGradient(
        logpNew,
        tensor,
        x -> {
          double[][] token = new double[B][T];
          for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
              token[b][t] = -frozen[b][t] * adv[b][t] * x[b][t];
            }
          }
          return LossAggregation.TOKEN_MEAN.aggregate(token, MASK);
        });
  }

  @Test
  void importanceWeightsScaleOnlyThePolicyGradientTerm() {
    // ℓ_t = w_t·surrogate_t + β_kl·k3_t: the reference multiplies the surrogate's token losses by
    // the constant weights and adds the KL term unweighted; value and gradient must agree.
    double[][] logpOld = randn(1);
    double[][] logpNew = randn(1);
    double[][] logpRef = randn(1);
    double[][] weights = new double[B][T];
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        logpNew[b][t] = logpOld[b][t] + random.nextGaussian() * 0.3;
        logpRef[b][t] = logpOld[b][t] + random.nextGaussian() * 0.3;
        weights[b][t] = 0.5 + random.nextDouble() * 1.5;
      }
    }
    double[][] adv = randn(1);
    ClippedSurrogate surrogate = new ClippedSurrogate(0.2, 0.2);
    PolicyObjective o =
        new PolicyObjective(surrogate, 0.1, KlEstimator.K3, 0, LossAggregation.SEQ_MEAN_TOKEN_MEAN);
    NDArray denominator = manager.create((float) B);
    Function<NDArray, NDArray> tensor =
        x ->
            Losses.policyObjective(
                new PpoClipLoss(0.2, 0.2),
                PolicyTokens.of(x, nd(logpOld), nd(adv), nd(MASK))
                    .withReference(nd(logpRef))
                    .withImportanceWeights(nd(weights)),
                denominator,
                o);
    Function<double[][], Double> reference =
        x -> {
          double[][] token = surrogate.tokenLosses(x, logpOld, adv, MASK);
          for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
              token[b][t] =
                  weights[b][t] * token[b][t]
                      + 0.1 * KlEstimator.K3.estimate(x[b][t], logpRef[b][t]);
            }
          }
          return LossAggregation.SEQ_MEAN_TOKEN_MEAN.aggregate(token, MASK);
        };
    assertThat(tensor.apply(nd(logpNew)).getFloat())
        .isCloseTo(reference.apply(logpNew).floatValue(), within(1e-5f));
    checkGradient(logpNew, tensor, reference);
  }

  @Test
  void dpoLossesMatchTheirReferenceWithGradients() {
    // Two rankings laid out back to back: K = 3 (ranks 0, 1, 1: two pairs) and K = 2.
    Losses.PairIndex pairs =
        RankingBatch.pairIndex(List.of(List.of(0, 1, 1), List.of(1, 0)), new double[] {0, 0});
    for (DpoObjective o :
        List.of(
            new DpoObjective(0.1, DpoLossType.SIGMOID, 0, 0),
            new DpoObjective(0.5, DpoLossType.SIGMOID, 0.2, 0),
            new DpoObjective(0.1, DpoLossType.IPO, 0, 0),
            new DpoObjective(2, DpoLossType.SIMPO, 0.1, 0, 0.5),
            new DpoObjective(0.1, DpoLossType.ORPO, 0, 1))) {
      // Reference-free losses read per-token means and a reference of 0.
      boolean free = o.type().referenceFree();
      double[] ref = free ? new double[5] : new double[] {-11, -12, -10.5, -9, -9.5};
      double[] start =
          free
              ? new double[] {-1.2, -1.6, -0.9, -2.0, -1.1}
              : new double[] {-10.2, -12.5, -10.1, -9.3, -9.1};
      java.util.function.Function<double[], Double> reference =
          p -> {
            double total = 0;
            for (int i = 0; i < pairs.size(); i++) {
              int w = (int) pairs.winners()[i];
              int l = (int) pairs.losers()[i];
              total += pairs.weights()[i] * o.loss(p[w], p[l], ref[w], ref[l]);
            }
            return total;
          };
      checkVectorLoss(
          String.valueOf(o),
          start,
          x -> Losses.dpoLoss(x, manager.create(toFloats(ref)), pairs, o),
          reference,
          1e-4);
    }
  }

  @Test
  void ktoLossMatchesItsReferenceWithGradients() {
    double[] ref = {-11, -12, -10.5, -9, -9.5};
    double[] start = {-10.2, -12.5, -10.1, -9.3, -8.1};
    boolean[] desirable = {true, false, true, false, false};
    KtoObjective o = new KtoObjective(0.1, 1.2, 0.8);
    double z0 = 0.3;
    java.util.function.Function<double[], Double> reference =
        p -> {
          double[] r = new double[p.length];
          for (int i = 0; i < p.length; i++) {
            r[i] = p[i] - ref[i];
          }
          return o.loss(r, desirable, z0);
        };
    checkVectorLoss(
        "kto",
        start,
        x -> Losses.ktoLoss(x, manager.create(toFloats(ref)), desirable, z0, o),
        reference,
        1e-5);
  }

  // A loss of one log-probability per response [N]: its value against the reference's, and its
  // autograd gradient against the reference's central finite differences.
  private void checkVectorLoss(
      String what,
      double[] start,
      Function<NDArray, NDArray> tensor,
      Function<double[], Double> reference,
      double gradientTolerance) {
    NDArray x = manager.create(toFloats(start));
    x.setRequiresGradient(true);
    float[] grad;
    float value;
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray loss = tensor.apply(x);
      value = loss.getFloat();
      gc.backward(loss);
      grad = x.getGradient().toFloatArray();
    }
    assertThat((double) value).as(what).isCloseTo(reference.apply(start), within(1e-5));
    double h = 1e-6;
    for (int i = 0; i < start.length; i++) {
      double[] up = start.clone();
      double[] down = start.clone();
      up[i] += h;
      down[i] -= h;
      assertThat((double) grad[i])
          .as("%s d/dlogp[%s]", what, i)
          .isCloseTo(
              (reference.apply(up) - reference.apply(down)) / (2 * h), within(gradientTolerance));
    }
  }

  private static float[] toFloats(double[] x) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) x[i];
    }
    return out;
  }

  @Test
  void valueLossMatchesReference() {
    double[][] vOld = randn(1);
    double[][] vNew = randn(1);
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        vNew[b][t] = vOld[b][t] + random.nextGaussian() * 0.3;
      }
    }
    double[][] returns = randn(1);
    NDArray mask = nd(MASK);
    assertThat(Losses.valueLoss(nd(vNew), nd(vOld), nd(returns), mask, 0.2).getFloat())
        .isCloseTo((float) PpoLoss.valueLoss(vNew, vOld, returns, MASK, 0.2), within(1e-5f));
    checkGradient(
        vNew,
        x -> Losses.valueLoss(x, nd(vOld), nd(returns), mask, 0.2),
        x -> PpoLoss.valueLoss(x, vOld, returns, MASK, 0.2));
  }

  @Test
  void rankingLossMatchesReferenceForMixedKAndTies() {
    // Three prompts: K = 2; K = 4 with a tie; K = 3 with a margin.
    List<double[]> rewards = new ArrayList<>();
    List<List<Integer>> ranks = List.of(List.of(1, 2), List.of(2, 1, 2, 3), List.of(1, 2, 3));
    double[] margins = {0, 0, 0.5};
    for (List<Integer> r : ranks) {
      double[] x = new double[r.size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = random.nextGaussian() * 2;
      }
      rewards.add(x);
    }
    Losses.PairIndex pairs = RankingBatch.pairIndex(ranks, margins);
    float[] flat = new float[9];
    int k = 0;
    for (double[] r : rewards) {
      for (double v : r) {
        flat[k++] = (float) v;
      }
    }
    NDArray r = manager.create(flat);
    assertThat(Losses.rankingLoss(r, pairs).getFloat())
        .isCloseTo((float) RankingLoss.batchLoss(rewards, ranks, margins), within(1e-5f));
    // Gradient per response against the reference's analytic gradient, divided by 3 prompts.
    r.setRequiresGradient(true);
    float[] grad;
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(Losses.rankingLoss(r, pairs));
      grad = r.getGradient().toFloatArray();
    }
    k = 0;
    for (int p = 0; p < 3; p++) {
      double[] g = RankingLoss.promptLossGradient(rewards.get(p), ranks.get(p), margins[p]);
      for (double v : g) {
        assertThat((double) grad[k++]).isCloseTo(v / 3, within(1e-6));
      }
    }
  }

  @Test
  void rankingLossIsStableForHugeGaps() {
    Losses.PairIndex pairs = RankingBatch.pairIndex(List.of(List.of(1, 2)), new double[] {0});
    assertThat(Losses.rankingLoss(manager.create(new float[] {1e4f, 0}), pairs).getFloat())
        .isZero();
    assertThat(Losses.rankingLoss(manager.create(new float[] {0, 1e4f}), pairs).getFloat())
        .isCloseTo(1e4f, within(1e-2f));
    assertThat(manager.create(new float[] {1}).getDataType()).isEqualTo(DataType.FLOAT32);
  }
}
