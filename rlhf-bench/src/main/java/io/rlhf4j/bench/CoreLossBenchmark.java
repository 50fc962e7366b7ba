package io.rlhf4j.bench;

import io.rlhf4j.train.ppo.Gae;
import io.rlhf4j.train.ppo.KlEstimator;
import io.rlhf4j.train.ppo.KlPenalizedReward;
import io.rlhf4j.train.ppo.PpoLoss;
import io.rlhf4j.train.ppo.Whitening;
import io.rlhf4j.train.reward.RankingLoss;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The plain-Java reference losses on realistic batch shapes: an InstructGPT reward batch (64
 * prompts, K drawn from 4..9, so up to 36 pairs each) and a PPO rollout batch of 64 responses of up
 * to 256 tokens. These are the oracles, so their cost matters only for tests and small jobs; the
 * numbers show they are cheap enough to check every tensor step against.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CoreLossBenchmark {
  private static final int BATCH = 64;
  private static final int TOKENS = 256;

  private List<double[]> rewards;
  private List<List<Integer>> ranks;
  private double[] margins;
  private double[][] logp;
  private double[][] logpRef;
  private double[][] logpNew;
  private double[][] values;
  private double[][] mask;
  private double[] scores;

  /** Random but fixed inputs. */
  @Setup
  public void setUp() {
    Random random = new Random(42);
    rewards = new ArrayList<>();
    ranks = new ArrayList<>();
    margins = new double[BATCH];
    for (int b = 0; b < BATCH; b++) {
      int k = 4 + random.nextInt(6);
      double[] r = new double[k];
      List<Integer> rank = new ArrayList<>();
      for (int i = 0; i < k; i++) {
        r[i] = random.nextGaussian();
        rank.add(1 + random.nextInt(k));
      }
      rank.set(0, 1);
      rank.set(1, 2);
      rewards.add(r);
      ranks.add(rank);
    }
    logp = new double[BATCH][TOKENS];
    logpRef = new double[BATCH][TOKENS];
    logpNew = new double[BATCH][TOKENS];
    values = new double[BATCH][TOKENS];
    mask = new double[BATCH][TOKENS];
    scores = new double[BATCH];
    for (int b = 0; b < BATCH; b++) {
      int length = 16 + random.nextInt(TOKENS - 16);
      scores[b] = random.nextGaussian();
      for (int t = 0; t < TOKENS; t++) {
        logp[b][t] = -random.nextDouble() * 5;
        logpRef[b][t] = logp[b][t] + random.nextGaussian() * 0.1;
        logpNew[b][t] = logp[b][t] + random.nextGaussian() * 0.05;
        values[b][t] = random.nextGaussian();
        mask[b][t] = t < length ? 1 : 0;
      }
    }
  }

  /** InstructGPT's normalised K-wise ranking loss over a 64-prompt batch. */
  @Benchmark
  public double rankingLoss() {
    return RankingLoss.batchLoss(rewards, ranks, margins);
  }

  /** KL-penalised rewards, GAE, whitening and both PPO losses for a 64 x 256 rollout. */
  @Benchmark
  public double ppoObjective() {
    double[][] r = KlPenalizedReward.rewards(logp, logpRef, mask, scores, 0.05, KlEstimator.K1);
    Gae.Result gae = Gae.compute(r, values, mask, 1.0, 0.95);
    double[][] adv = Whitening.whiten(gae.advantages(), mask, true);
    return PpoLoss.policyLoss(logpNew, logp, adv, mask, 0.2)
        + 0.1 * PpoLoss.valueLoss(values, values, gae.returns(), mask, 0.2);
  }
}
