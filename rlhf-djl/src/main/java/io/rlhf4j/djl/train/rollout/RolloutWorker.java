package io.rlhf4j.djl.train.rollout;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.GradMode;
import io.rlhf4j.djl.model.HostArrays;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.train.Examples;
import io.rlhf4j.train.Seeds;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the experience of one shard with the models it is given: samples a response per row, scores
 * it, and takes log-probabilities of policy and reference (and values of the value model) of the
 * sampled tokens. It holds no state of its own between shards, so a shard made twice, here or in
 * another JVM with the same weights, is made the same.
 *
 * <ol>
 *   <li>sample at the rollout temperature, row i from the stream of (seed, iteration, firstRow +
 *       i);
 *   <li>score each response exactly as reward training encoded the same text: with EOS if and only
 *       if the sample emitted it ({@link Examples#forScoring});
 *   <li>log-probabilities of policy and reference at that temperature, and values when the settings
 *       ask for them, a micro-batch of rows per pass.
 * </ol>
 */
public final class RolloutWorker {
  /** The purpose of the rollout-sampling stream in {@link Seeds#derive}. */
  public static final long SAMPLING = 0;

  private final DjlPolicy policy;
  private final CausalLm reference;
  private final CausalLm valueModel;
  private final RewardModel rewardModel;
  private final SavableTokenizer tokenizer;
  private final RolloutSettings settings;

  /**
   * @param policy the policy being trained (read only here)
   * @param reference the frozen reference
   * @param valueModel the value model, or null when no values are wanted
   * @param rewardModel r(x, y)
   * @param tokenizer the policy's tokenizer
   */
  public RolloutWorker(
      CausalLm policy,
      CausalLm reference,
      CausalLm valueModel,
      RewardModel rewardModel,
      SavableTokenizer tokenizer,
      RolloutSettings settings) {
    this.policy = new DjlPolicy(policy, tokenizer);
    this.reference = reference;
    this.valueModel = valueModel;
    this.rewardModel = rewardModel;
    this.tokenizer = tokenizer;
    this.settings = settings;
  }

  /** The policy. */
  public CausalLm policy() {
    return policy.model();
  }

  /** The reference. */
  public CausalLm reference() {
    return reference;
  }

  /** The value model, or null. */
  public CausalLm valueModel() {
    return valueModel;
  }

  /** r(x, y). */
  public RewardModel rewardModel() {
    return rewardModel;
  }

  /** The policy's tokenizer. */
  public SavableTokenizer tokenizer() {
    return tokenizer;
  }

  /** The settings. */
  public RolloutSettings settings() {
    return settings;
  }

  /** Samples and scores {@code shard}. */
  public ShardRollout run(RolloutShard shard) {
    GradMode.offOnThisThread();
    long t0 = System.nanoTime();
    List<int[]> rows = shard.rows();
    List<Generation> generations =
        policy.generate(
            rows,
            settings.sampling().toBuilder()
                .seed(Seeds.derive(settings.seed(), shard.iteration(), SAMPLING))
                .build(),
            shard.firstRow());
    int b = rows.size();
    List<int[]> responses = generations.stream().map(Generation::response).toList();
    boolean[] eos = new boolean[b];
    for (int i = 0; i < b; i++) {
      eos[i] = generations.get(i).endedWithEos();
    }
    long t1 = System.nanoTime();
    double[] scores = score(generations);
    double temperature = settings.sampling().temperature();
    CausalLm policyModel = policy.model();
    int width = HostArrays.width(responses);
    double[][] logp = new double[b][];
    double[][] refLogp = new double[b][];
    double[][] values = valueModel == null ? null : new double[b][];
    double[][] mask = new double[b][];
    // A micro-batch of rows per pass: peak memory is set by the micro-batch, not the rollout.
    for (int from = 0; from < b; from += settings.microBatchSize()) {
      int to = Math.min(b, from + settings.microBatchSize());
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
    return new ShardRollout(
        shard.index(),
        shard.firstRow(),
        responses,
        eos,
        scores,
        mask,
        logp,
        refLogp,
        values,
        (t1 - t0) / 1e9,
        (System.nanoTime() - t1) / 1e9);
  }

  /**
   * r(x, y) of each generation, read as reward training reads the same text, within the model's
   * context; a response that never emitted EOS gets the settings' missing-EOS score when set.
   */
  public double[] score(List<Generation> generations) {
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
    if (settings.missingEosScore() != null) {
      for (int i = 0; i < scores.length; i++) {
        if (!generations.get(i).endedWithEos()) {
          scores[i] = settings.missingEosScore();
        }
      }
    }
    return scores;
  }

  private static NDArray hidden(CausalLm model, SequenceBatch batch) {
    return model.hidden(batch.tokens(), batch.valid(), null);
  }
}
