package io.rlhf4j.djl.train.ppo;

import io.rlhf4j.djl.internal.engine.HostArrays;
import io.rlhf4j.djl.train.rollout.RolloutBackend;
import io.rlhf4j.djl.train.rollout.RolloutShard;
import io.rlhf4j.djl.train.rollout.RolloutWorker;
import io.rlhf4j.djl.train.rollout.Rollouts;
import io.rlhf4j.djl.train.rollout.ShardRollout;
import io.rlhf4j.internal.train.Seeds;
import io.rlhf4j.train.rl.AdvantageEstimator;
import io.rlhf4j.train.rl.Advantages;
import io.rlhf4j.train.rl.EstimatorInput;
import io.rlhf4j.train.rl.GroupStats;
import io.rlhf4j.train.rl.OverlongPunishment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Makes the experience of an iteration (OpenRLHF's "experience maker"):
 *
 * <ol>
 *   <li>{@code samplesPerPrompt} rows per prompt, cut into {@link PpoConfig#rolloutPartitions}
 *       shards of whole groups;
 *   <li>each shard sampled and scored by a {@link RolloutWorker} wherever the {@link
 *       RolloutBackend} runs it (in this process by default);
 *   <li>the shards put back in row order; DAPO's overlong punishment added to the scores; with
 *       dynamic sampling, groups whose scores tie dropped and refilled from further rounds;
 *   <li>the KL penalty −β·KL_t per token (β = 0 when the KL is a loss term instead), then the
 *       configured advantage estimator (GAE, GRPO, RLOO, REINFORCE++, ...).
 * </ol>
 *
 * <p>Steps 3–4 run on the host, in the trainer's process, through rlhf-core's reference functions,
 * so the numbers the policy learns from are the ones tested against hand-worked examples; they need
 * the whole batch (group and batch statistics), which is why they are not in the shards.
 */
final class ExperienceMaker {
  /** The purpose of dynamic sampling's prompt draws in {@link Seeds#derive}. */
  static final long REFILL = 3;

  private final RolloutWorker worker;
  private final PpoConfig config;
  private final AdvantageEstimator estimator;
  private final OverlongPunishment overlong;
  private RolloutBackend backend = RolloutBackend.inProcess();

  ExperienceMaker(RolloutWorker worker, PpoConfig config) {
    this.worker = worker;
    this.config = config;
    this.estimator = config.advantageEstimator();
    this.overlong =
        new OverlongPunishment(
            config.sampling().maxNewTokens(), config.overlongBuffer(), config.overlongPenalty());
  }

  void backend(RolloutBackend value) {
    backend = value;
  }

  /** One sampled and scored row. */
  private record Row(
      int[] prompt,
      int[] response,
      boolean eos,
      double score,
      double[] mask,
      double[] rolloutLogp,
      double[] logp,
      double[] refLogp,
      double[] values,
      double[] turnRewards) {}

  /**
   * A round's rows in batch order, with its seconds, the backend's timings and the episodes' counts
   * summed over its rows.
   */
  private record Round(
      List<Row> rows,
      double generateSeconds,
      double scoreSeconds,
      Map<String, Double> timings,
      Map<String, Double> counts) {}

  /**
   * The experience of iteration {@code iteration} for {@code prompts}; dynamic sampling draws its
   * further prompts from {@code pool} with a stream of (seed, iteration), so a resumed run draws
   * the same.
   */
  Experience make(List<int[]> prompts, List<int[]> pool, long iteration, double beta) {
    int n = config.samplesPerPrompt();
    Round first = round(prompts, iteration, 0);
    List<Row> rows = first.rows();
    double generateSeconds = first.generateSeconds();
    double scoreSeconds = first.scoreSeconds();
    Map<String, Double> stats = new LinkedHashMap<>(first.timings());
    Map<String, Double> counts = new TreeMap<>(first.counts());
    int sampled = first.rows().size();
    if (config.dynamicSamplingRounds() > 0) {
      List<Row> kept = new ArrayList<>();
      List<Row> tied = new ArrayList<>();
      split(first.rows(), n, kept, tied);
      stats.put("tied_group_fraction_sampled", (double) tied.size() / first.rows().size());
      Random draw = new Random(Seeds.derive(config.seed(), iteration, REFILL));
      int extra = 0;
      while (kept.size() < rows.size() && extra < config.dynamicSamplingRounds()) {
        extra++;
        List<int[]> more = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
          more.add(pool.get(draw.nextInt(pool.size())));
        }
        Round r = round(more, iteration, extra);
        split(r.rows(), n, kept, new ArrayList<>());
        r.counts().forEach((k, v) -> counts.merge(k, v, Double::sum));
        sampled += r.rows().size();
        generateSeconds += r.generateSeconds();
        scoreSeconds += r.scoreSeconds();
      }
      List<Row> chosen = new ArrayList<>(kept.subList(0, Math.min(kept.size(), rows.size())));
      chosen.addAll(tied.subList(0, rows.size() - chosen.size()));
      rows = chosen;
      stats.put("dynamic_sampling_rounds", (double) extra);
    }
    // Episode counts (tool calls, bad calls, turns) as means per sampled episode.
    for (Map.Entry<String, Double> c : counts.entrySet()) {
      stats.put(c.getKey(), c.getValue() / sampled);
    }
    return experience(rows, iteration, beta, generateSeconds, scoreSeconds, stats);
  }

  // Sorts whole groups of n rows into those with signal and those whose scores tie.
  private static void split(List<Row> rows, int n, List<Row> signal, List<Row> tied) {
    double[] scores = rows.stream().mapToDouble(Row::score).toArray();
    for (int from = 0; from < rows.size(); from += n) {
      (GroupStats.tied(scores, from, n) ? tied : signal).addAll(rows.subList(from, from + n));
    }
  }

  // Samples and scores n rows per prompt. Round r's rows draw from the streams of rows r·B..,
  // so refill rounds never repeat round 0's samples and each is the same wherever it runs.
  private Round round(List<int[]> prompts, long iteration, int round) {
    int n = config.samplesPerPrompt();
    List<int[]> prompted = new ArrayList<>(prompts.size() * n);
    for (int[] prompt : prompts) {
      for (int k = 0; k < n; k++) {
        prompted.add(prompt);
      }
    }
    int offset = round * prompted.size();
    List<RolloutShard> shards = new ArrayList<>();
    for (RolloutShard s : RolloutShard.cut(iteration, prompted, n, config.rolloutPartitions())) {
      shards.add(new RolloutShard(iteration, s.index(), offset + s.firstRow(), s.rows()));
    }
    Rollouts made = backend.run(worker, shards);
    List<Row> rows = new ArrayList<>(prompted.size());
    double generateSeconds = 0;
    double scoreSeconds = 0;
    Map<String, Double> counts = new TreeMap<>();
    for (ShardRollout s : made.shards()) {
      s.metrics().forEach((k, v) -> counts.merge(k, v, Double::sum));
      for (int i = 0; i < s.size(); i++) {
        int[] response = s.responses().get(i);
        rows.add(
            new Row(
                prompted.get(s.firstRow() - offset + i),
                response,
                s.endedWithEos()[i],
                s.scores()[i] + overlong.of(response.length),
                s.mask()[i],
                s.rolloutLogProbs()[i],
                s.logProbs()[i],
                s.refLogProbs()[i],
                s.values() == null ? null : s.values()[i],
                s.turnRewards() == null ? null : s.turnRewards()[i]));
      }
      generateSeconds += s.generateSeconds();
      scoreSeconds += s.scoreSeconds();
    }
    if (rows.size() != prompted.size()) {
      throw new IllegalStateException(
          "the backend returned " + rows.size() + " rollouts for " + prompted.size() + " rows");
    }
    return new Round(rows, generateSeconds, scoreSeconds, made.timings(), counts);
  }

  private Experience experience(
      List<Row> rows,
      long iteration,
      double beta,
      double generateSeconds,
      double scoreSeconds,
      Map<String, Double> stats) {
    int b = rows.size();
    int n = config.samplesPerPrompt();
    List<int[]> prompts = rows.stream().map(Row::prompt).toList();
    List<int[]> responses = rows.stream().map(Row::response).toList();
    int width = HostArrays.width(responses);
    boolean[] eos = new boolean[b];
    int[] groups = new int[b];
    double[] scores = new double[b];
    double[][] rolloutLogp = new double[b][];
    double[][] logp = new double[b][];
    double[][] refLogp = new double[b][];
    double[][] values = config.usesCritic() ? new double[b][] : null;
    double[][] mask = new double[b][];
    for (int i = 0; i < b; i++) {
      Row r = rows.get(i);
      eos[i] = r.eos();
      groups[i] = i / n;
      scores[i] = r.score();
      rolloutLogp[i] = Arrays.copyOf(r.rolloutLogp(), width);
      logp[i] = Arrays.copyOf(r.logp(), width);
      refLogp[i] = Arrays.copyOf(r.refLogp(), width);
      mask[i] = Arrays.copyOf(r.mask(), width);
      if (values != null) {
        values[i] = Arrays.copyOf(r.values(), width);
      }
    }
    double[][] penalty = new double[b][width];
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < width; t++) {
        if (mask[i][t] != 0) {
          penalty[i][t] = -beta * config.klEstimator().estimate(logp[i][t], refLogp[i][t]);
        }
      }
      // An environment's per-turn rewards join the per-token rewards where they were earned.
      double[] earned = rows.get(i).turnRewards();
      for (int t = 0; earned != null && t < earned.length; t++) {
        penalty[i][t] += earned[t];
      }
    }
    EstimatorInput input = new EstimatorInput(scores, penalty, mask, groups, values);
    Advantages advantages = estimator.estimate(input);
    return new Experience(
        iteration,
        new Experience.Episodes(prompts, responses, eos, groups, scores),
        mask,
        new Experience.LogProbs(rolloutLogp, logp, refLogp),
        values,
        new Experience.Targets(
            input.tokenRewards(scores), advantages.advantages(), advantages.returns()),
        beta,
        new Experience.Cost(generateSeconds, scoreSeconds, stats));
  }
}
