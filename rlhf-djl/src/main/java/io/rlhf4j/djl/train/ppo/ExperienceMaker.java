package io.rlhf4j.djl.train.ppo;

import ai.djl.ndarray.NDManager;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.GradMode;
import io.rlhf4j.djl.model.HostArrays;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.Tokenizer;
import io.rlhf4j.train.Examples;
import io.rlhf4j.train.Seeds;
import io.rlhf4j.train.rl.AdvantageEstimator;
import io.rlhf4j.train.rl.Advantages;
import io.rlhf4j.train.rl.EstimatorInput;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the experience of an iteration (OpenRLHF's "experience maker"): samples responses, scores
 * them, and turns the scores into advantages.
 *
 * <ol>
 *   <li>sample {@code samplesPerPrompt} responses per prompt at the rollout temperature, from the
 *       stream of (seed, iteration);
 *   <li>score each response with the reward model exactly as reward training encoded the same text:
 *       with EOS if and only if the sample emitted it ({@link Examples#forScoring});
 *   <li>log-probabilities of policy and reference at that temperature, and values of the value
 *       model when the estimator uses one;
 *   <li>the KL penalty −β·KL_t per token (β = 0 when the KL is a loss term instead), then the
 *       configured advantage estimator (GAE, GRPO, RLOO, REINFORCE++, ...).
 * </ol>
 *
 * <p>Step 4 runs on the host through rlhf-core's reference estimators, so the numbers the policy
 * learns from are the ones tested against hand-worked examples.
 */
final class ExperienceMaker {
  /** The purpose of the rollout-sampling stream in {@link Seeds#derive}. */
  static final long SAMPLING = 0;

  private final DjlPolicy policy;
  private final CausalLm reference;
  private final CausalLm valueModel;
  private final RewardModel rewardModel;
  private final Tokenizer tokenizer;
  private final PpoConfig config;
  private final AdvantageEstimator estimator;

  ExperienceMaker(
      DjlPolicy policy,
      CausalLm reference,
      CausalLm valueModel,
      RewardModel rewardModel,
      Tokenizer tokenizer,
      PpoConfig config) {
    this.policy = policy;
    this.reference = reference;
    this.valueModel = valueModel;
    this.rewardModel = rewardModel;
    this.tokenizer = tokenizer;
    this.config = config;
    this.estimator = config.advantageEstimator();
  }

  Experience make(List<int[]> prompts, long iteration, double beta) {
    GradMode.offOnThisThread();
    long t0 = System.nanoTime();
    // 1. Sample: each prompt samplesPerPrompt times, its rows adjacent and sharing a group.
    int n = config.samplesPerPrompt();
    List<int[]> rows = new ArrayList<>(prompts.size() * n);
    int[] groups = new int[prompts.size() * n];
    for (int p = 0; p < prompts.size(); p++) {
      for (int k = 0; k < n; k++) {
        groups[rows.size()] = p;
        rows.add(prompts.get(p));
      }
    }
    List<Generation> generations =
        policy.generate(
            rows,
            config.sampling().toBuilder()
                .seed(Seeds.derive(config.seed(), iteration, SAMPLING))
                .build());
    int b = rows.size();
    List<int[]> responses = generations.stream().map(Generation::response).toList();
    boolean[] eos = new boolean[b];
    for (int i = 0; i < b; i++) {
      eos[i] = generations.get(i).endedWithEos();
    }
    long t1 = System.nanoTime();
    // 2. Score.
    double[] scores = score(generations);
    // 3. Log-probabilities (and values, with a critic) of the sampled tokens.
    double temperature = config.sampling().temperature();
    CausalLm policyModel = policy.model();
    int width = HostArrays.width(responses);
    double[][] logp = new double[b][];
    double[][] refLogp = new double[b][];
    double[][] values = valueModel == null ? null : new double[b][];
    double[][] mask = new double[b][];
    // A micro-batch of rows per pass: peak memory is set by the micro-batch, not the rollout.
    for (int from = 0; from < b; from += config.microBatchSize()) {
      int to = Math.min(b, from + config.microBatchSize());
      try (NDManager scope = policyModel.manager().newSubManager()) {
        SequenceBatch batch =
            SequenceBatch.of(scope, rows.subList(from, to), responses.subList(from, to));
        HostArrays.place(
            HostArrays.rows(
                batch.responseLogProbs(policyModel, hidden(policyModel, batch), temperature)),
            logp,
            from,
            width);
        HostArrays.place(
            HostArrays.rows(
                batch.responseLogProbs(reference, hidden(reference, batch), temperature)),
            refLogp,
            from,
            width);
        if (valueModel != null) {
          HostArrays.place(
              HostArrays.rows(batch.responseValues(valueModel.scoreAll(hidden(valueModel, batch)))),
              values,
              from,
              width);
        }
        HostArrays.place(HostArrays.rows(batch.responseMask()), mask, from, width);
      }
    }
    // 4. The KL penalty in the reward (when β > 0), then the estimator's advantages.
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
        (t1 - t0) / 1e9,
        (System.nanoTime() - t1) / 1e9);
  }

  /**
   * r(x, y) of each generation, read as reward training reads the same text, within the model's
   * context; a response that never emitted EOS gets {@link PpoConfig#missingEosScore} when set.
   */
  double[] score(List<Generation> generations) {
    int context = policy.model().config().maxPositions();
    List<int[]> prompts = new ArrayList<>(generations.size());
    List<int[]> responses = new ArrayList<>(generations.size());
    for (Generation g : generations) {
      Examples.Example e =
          Examples.truncate(g.prompt(), Examples.forScoring(tokenizer, g), context);
      prompts.add(e.prompt());
      responses.add(e.response());
    }
    double[] scores = rewardModel.score(prompts, responses);
    if (config.missingEosScore().isPresent()) {
      for (int i = 0; i < scores.length; i++) {
        if (!generations.get(i).endedWithEos()) {
          scores[i] = config.missingEosScore().getAsDouble();
        }
      }
    }
    return scores;
  }

  private static ai.djl.ndarray.NDArray hidden(CausalLm model, SequenceBatch batch) {
    return model.hidden(batch.tokens(), batch.valid(), null);
  }
}
