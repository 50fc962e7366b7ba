package io.rlhf4j.djl.train.ppo;

import ai.djl.ndarray.NDManager;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.DjlPolicy;
import io.rlhf4j.djl.model.GradMode;
import io.rlhf4j.djl.model.HostArrays;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.Tokenizer;
import io.rlhf4j.train.Examples;
import io.rlhf4j.train.Seeds;
import io.rlhf4j.train.ppo.Gae;
import io.rlhf4j.train.ppo.KlPenalizedReward;
import io.rlhf4j.train.ppo.Whitening;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes PPO's experience (OpenRLHF's "experience maker"): samples one response per prompt, scores
 * it, and turns the scores into advantages.
 *
 * <ol>
 *   <li>sample at the rollout temperature, from the stream of (seed, iteration);
 *   <li>score each response with the reward model exactly as reward training encoded the same text:
 *       with EOS if and only if the sample emitted it ({@link Examples#forScoring});
 *   <li>log-probabilities of policy and reference at that temperature, values of the value model;
 *   <li>per-token rewards −β·KL_t with the score at the last token, GAE, whitened advantages.
 * </ol>
 *
 * <p>Step 4 runs on the host through rlhf-core's reference functions, so the numbers PPO learns
 * from are the ones tested against hand-worked examples.
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
  }

  Experience make(List<int[]> prompts, long iteration, double beta) {
    GradMode.offOnThisThread();
    long t0 = System.nanoTime();
    // 1. Sample.
    List<Generation> generations =
        policy.generate(
            prompts,
            config.sampling().toBuilder()
                .seed(Seeds.derive(config.seed(), iteration, SAMPLING))
                .build());
    int b = prompts.size();
    List<int[]> responses = generations.stream().map(Generation::response).toList();
    boolean[] eos = new boolean[b];
    for (int i = 0; i < b; i++) {
      eos[i] = generations.get(i).endedWithEos();
    }
    long t1 = System.nanoTime();
    // 2. Score.
    double[] scores = score(generations);
    // 3. Log-probabilities and values of the sampled tokens.
    double temperature = config.sampling().temperature();
    CausalLm policyModel = policy.model();
    int width = HostArrays.width(responses);
    double[][] logp = new double[b][];
    double[][] refLogp = new double[b][];
    double[][] values = new double[b][];
    double[][] mask = new double[b][];
    // A micro-batch of rows per pass: peak memory is set by the micro-batch, not the rollout.
    for (int from = 0; from < b; from += config.microBatchSize()) {
      int to = Math.min(b, from + config.microBatchSize());
      try (NDManager scope = policyModel.manager().newSubManager()) {
        SequenceBatch batch =
            SequenceBatch.of(scope, prompts.subList(from, to), responses.subList(from, to));
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
        HostArrays.place(
            HostArrays.rows(batch.responseValues(valueModel.scoreAll(hidden(valueModel, batch)))),
            values,
            from,
            width);
        HostArrays.place(HostArrays.rows(batch.responseMask()), mask, from, width);
      }
    }
    // 4. KL-shaped rewards and advantages.
    double[][] rewards =
        KlPenalizedReward.rewards(logp, refLogp, mask, scores, beta, config.klEstimator());
    Gae.Result gae = Gae.compute(rewards, values, mask, config.gamma(), config.lambda());
    double[][] advantages =
        config.whitenAdvantages()
            ? Whitening.whiten(gae.advantages(), mask, true)
            : gae.advantages();
    return new Experience(
        iteration,
        List.copyOf(prompts),
        responses,
        eos,
        scores,
        mask,
        logp,
        refLogp,
        values,
        rewards,
        advantages,
        gae.returns(),
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
