package io.rlhf4j.djl.train.rollout;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.internal.engine.HostArrays;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.internal.train.Seeds;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.Examples;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
  private final RlModels models;
  private final RolloutSettings settings;

  /**
   * @param models the run's models; the reference must be set (the trainer has made its copy)
   */
  public RolloutWorker(RlModels models, RolloutSettings settings) {
    checkArgument(models.reference() != null, "a rollout worker needs the reference model");
    this.models = models;
    this.policy = new DjlPolicy(models.policy(), models.tokenizer());
    this.settings = settings;
  }

  /** The models, by role. */
  public RlModels models() {
    return models;
  }

  /** The policy. */
  public CausalLm policy() {
    return models.policy();
  }

  /** The reference. */
  public CausalLm reference() {
    return models.reference();
  }

  /** The value model, or null. */
  public CausalLm valueModel() {
    return models.valueModel();
  }

  /** r(x, y). */
  public RewardModel rewardModel() {
    return models.reward();
  }

  /** The policy's tokenizer. */
  public SavableTokenizer tokenizer() {
    return models.tokenizer();
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
    SamplingConfig sampling =
        settings.sampling().toBuilder()
            .seed(Seeds.derive(settings.seed(), shard.iteration(), SAMPLING))
            .build();
    List<Generation> generations;
    List<double[]> policyMasks = null;
    List<double[]> turnRewards = null;
    Map<String, Double> metrics = new TreeMap<>();
    if (settings.episodes() == null) {
      generations = policy.generate(rows, sampling, shard.firstRow());
    } else {
      List<EpisodeSampler.Episode> episodes =
          new EpisodeSampler(policy, settings.episodes()).sample(rows, sampling, shard.firstRow());
      generations = episodes.stream().map(EpisodeSampler.Episode::generation).toList();
      policyMasks = episodes.stream().map(EpisodeSampler.Episode::policyMask).toList();
      turnRewards = episodes.stream().map(EpisodeSampler.Episode::turnRewards).toList();
      for (EpisodeSampler.Episode e : episodes) {
        e.metrics().forEach((k, v) -> metrics.merge(k, v, Double::sum));
      }
    }
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
    CausalLm reference = models.reference();
    CausalLm valueModel = models.valueModel();
    double[][] values = valueModel == null ? null : new double[b][];
    double[][] mask = new double[b][];
    double[][] rolloutLogp = new double[b][width];
    for (int i = 0; i < b; i++) {
      float[] sampled = generations.get(i).logProbs();
      for (int t = 0; t < sampled.length; t++) {
        rolloutLogp[i][t] = sampled[t];
      }
    }
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
    double[][] perTurn = null;
    if (turnRewards != null) {
      // Placed where each was earned (the last token of the turn it answered), for GAE to see.
      perTurn = new double[b][width];
      for (int i = 0; i < b; i++) {
        System.arraycopy(turnRewards.get(i), 0, perTurn[i], 0, turnRewards.get(i).length);
      }
    }
    if (policyMasks != null) {
      // The environment's tokens are context, not actions: masked out of the loss, the KL and the
      // advantages, and their log-probabilities and values set to 0 like padding.
      for (int i = 0; i < b; i++) {
        double[] own = policyMasks.get(i);
        for (int t = 0; t < own.length; t++) {
          if (own[t] == 0) {
            mask[i][t] = 0;
            logp[i][t] = 0;
            refLogp[i][t] = 0;
            rolloutLogp[i][t] = 0;
            if (values != null) {
              values[i][t] = 0;
            }
          }
        }
      }
    }
    return new ShardRollout(
        shard.index(),
        shard.firstRow(),
        responses,
        eos,
        scores,
        mask,
        rolloutLogp,
        logp,
        refLogp,
        values,
        (t1 - t0) / 1e9,
        (System.nanoTime() - t1) / 1e9,
        perTurn,
        metrics);
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
          Examples.truncate(g.prompt(), Examples.forScoring(models.tokenizer(), g), context);
      prompts.add(e.prompt());
      responses.add(e.response());
    }
    double[] scores = models.reward().score(prompts, responses);
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
