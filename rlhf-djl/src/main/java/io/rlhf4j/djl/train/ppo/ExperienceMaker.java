package io.rlhf4j.djl.train.ppo;

import io.rlhf4j.djl.model.HostArrays;
import io.rlhf4j.djl.train.rollout.RolloutBackend;
import io.rlhf4j.djl.train.rollout.RolloutShard;
import io.rlhf4j.djl.train.rollout.RolloutWorker;
import io.rlhf4j.djl.train.rollout.Rollouts;
import io.rlhf4j.djl.train.rollout.ShardRollout;
import io.rlhf4j.train.rl.AdvantageEstimator;
import io.rlhf4j.train.rl.Advantages;
import io.rlhf4j.train.rl.EstimatorInput;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the experience of an iteration (OpenRLHF's "experience maker"):
 *
 * <ol>
 *   <li>{@code samplesPerPrompt} rows per prompt, cut into {@link PpoConfig#rolloutPartitions}
 *       shards of whole groups;
 *   <li>each shard sampled and scored by a {@link RolloutWorker} wherever the {@link
 *       RolloutBackend} runs it (in this process by default);
 *   <li>the shards put back in row order; the KL penalty −β·KL_t per token (β = 0 when the KL is a
 *       loss term instead), then the configured advantage estimator (GAE, GRPO, RLOO, REINFORCE++,
 *       ...).
 * </ol>
 *
 * <p>Step 3 runs on the host, in the trainer's process, through rlhf-core's reference estimators,
 * so the numbers the policy learns from are the ones tested against hand-worked examples; it needs
 * the whole batch (group and batch statistics), which is why it is not in the shards.
 */
final class ExperienceMaker {
  private final RolloutWorker worker;
  private final PpoConfig config;
  private final AdvantageEstimator estimator;
  private RolloutBackend backend = RolloutBackend.inProcess();

  ExperienceMaker(RolloutWorker worker, PpoConfig config) {
    this.worker = worker;
    this.config = config;
    this.estimator = config.advantageEstimator();
  }

  void backend(RolloutBackend value) {
    backend = value;
  }

  Experience make(List<int[]> prompts, long iteration, double beta) {
    int n = config.samplesPerPrompt();
    List<int[]> rows = new ArrayList<>(prompts.size() * n);
    int[] groups = new int[prompts.size() * n];
    for (int p = 0; p < prompts.size(); p++) {
      for (int k = 0; k < n; k++) {
        groups[rows.size()] = p;
        rows.add(prompts.get(p));
      }
    }
    Rollouts made =
        backend.run(worker, RolloutShard.cut(iteration, rows, n, config.rolloutPartitions()));
    int b = rows.size();
    List<int[]> responses = new ArrayList<>(b);
    for (ShardRollout s : made.shards()) {
      responses.addAll(s.responses());
    }
    if (responses.size() != b) {
      throw new IllegalStateException(
          "the backend returned " + responses.size() + " rollouts for " + b + " rows");
    }
    int width = HostArrays.width(responses);
    boolean[] eos = new boolean[b];
    double[] scores = new double[b];
    double[][] logp = new double[b][];
    double[][] refLogp = new double[b][];
    double[][] values = config.usesCritic() ? new double[b][] : null;
    double[][] mask = new double[b][];
    double generateSeconds = 0;
    double scoreSeconds = 0;
    for (ShardRollout s : made.shards()) {
      int at = s.firstRow();
      System.arraycopy(s.endedWithEos(), 0, eos, at, s.size());
      System.arraycopy(s.scores(), 0, scores, at, s.size());
      HostArrays.place(s.logProbs(), logp, at, width);
      HostArrays.place(s.refLogProbs(), refLogp, at, width);
      HostArrays.place(s.mask(), mask, at, width);
      if (values != null) {
        HostArrays.place(s.values(), values, at, width);
      }
      generateSeconds += s.generateSeconds();
      scoreSeconds += s.scoreSeconds();
    }
    double[][] penalty = new double[b][width];
    for (int i = 0; i < b; i++) {
      for (int t = 0; t < width; t++) {
        if (mask[i][t] != 0) {
          penalty[i][t] = -beta * config.klEstimator().estimate(logp[i][t], refLogp[i][t]);
        }
      }
    }
    EstimatorInput input = new EstimatorInput(scores, penalty, mask, groups, values);
    Advantages advantages = estimator.estimate(input);
    return new Experience(
        iteration,
        List.copyOf(rows),
        responses,
        eos,
        groups,
        scores,
        mask,
        logp,
        refLogp,
        values,
        input.tokenRewards(scores),
        advantages.advantages(),
        advantages.returns(),
        beta,
        generateSeconds,
        scoreSeconds,
        made.timings());
  }
}
