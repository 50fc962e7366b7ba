package io.rlhf4j.djl.train.dpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.rlhf4j.data.EpisodeRanking;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.internal.engine.Scalars;
import io.rlhf4j.djl.internal.train.Backprop;
import io.rlhf4j.djl.internal.train.Contexts;
import io.rlhf4j.djl.internal.train.Dropouts;
import io.rlhf4j.djl.internal.train.EncodedRanking;
import io.rlhf4j.djl.internal.train.RankingBatch;
import io.rlhf4j.djl.internal.train.ResponseLogProbs;
import io.rlhf4j.djl.internal.train.TrainingLock;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.train.AdamW;
import io.rlhf4j.djl.train.EpochLoop;
import io.rlhf4j.djl.train.Losses;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.train.dpo.DpoObjective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Direct preference optimisation (Rafailov et al. 2023) on K-wise rankings, offline: the policy is
 * trained so that its log-probability ratio to a frozen reference (the SFT model) separates the
 * preferred response of each pair from the other ({@link DpoObjective}). Every ranking's responses
 * go through one forward pass and give all their C(K,2) pairs to the loss.
 *
 * <p>The reference's log-probabilities are computed once per response before training and kept: the
 * reference never changes, so recomputing them every epoch (or every step) would only cost.
 */
public final class DpoTrainer implements AutoCloseable {
  /** The stage name in metrics and checkpoints. */
  public static final String STAGE = "dpo";

  private final CausalLm policy;
  private final CausalLm reference;
  private final boolean ownsReference;
  private final SavableTokenizer tokenizer;
  private final DpoConfig config;
  private final TrainingRun run;

  /**
   * @param policy the SFT model (or a LoRA view of it), trained in place
   * @param reference the frozen reference, usually the SFT model; null makes a private copy of the
   *     policy as it is now (for a LoRA view, pass its base)
   */
  public DpoTrainer(
      CausalLm policy,
      CausalLm reference,
      SavableTokenizer tokenizer,
      DpoConfig config,
      TrainingRun run) {
    Contexts.check(config.training().maxLength(), policy);
    Backprop.checkCheckpointing(config.training().gradientCheckpointing(), policy);
    GradMode.offOnThisThread();
    this.policy = policy;
    // SimPO and ORPO read no reference: none is copied, the memory of a second model saved.
    boolean referenceFree = config.objective().type().referenceFree();
    this.ownsReference = reference == null && !referenceFree;
    this.reference =
        referenceFree
            ? null
            : reference == null ? policy.copy(policy.manager().getDevice()) : reference;
    this.tokenizer = tokenizer;
    this.config = config;
    this.run = run;
  }

  /**
   * Held-out quality over all strict pairs.
   *
   * @param accuracy share of pairs whose implicit reward β·log(π/π_ref) is higher for the preferred
   *     response (TRL's {@code rewards/accuracies})
   * @param likelihoodAccuracy share of pairs whose preferred response is more likely under the
   *     policy itself (per-token mean log-probability, so length does not decide)
   * @param chosenReward mean implicit reward of preferred responses
   * @param rejectedReward mean implicit reward of the others
   * @param loss the DPO loss
   */
  public record Evaluation(
      double accuracy,
      double likelihoodAccuracy,
      double chosenReward,
      double rejectedReward,
      double loss) {
    /** Mean chosen − rejected implicit reward. */
    public double margin() {
      return chosenReward - rejectedReward;
    }
  }

  /**
   * Trains on {@code train} rankings (all-tied rankings are skipped), resuming from {@code
   * checkpointDir} when it holds a checkpoint.
   *
   * @param eval held-out rankings, evaluated after the last step (may be empty)
   * @param checkpointDir where to checkpoint; null for none
   * @return the held-out evaluation, or null without held-out rankings
   */
  public Evaluation train(List<Ranking> train, List<Ranking> eval, Path checkpointDir) {
    int max = config.training().maxLength();
    return trainEncoded(
        EncodedRanking.encode(tokenizer, train, max),
        EncodedRanking.encode(tokenizer, eval, max),
        checkpointDir);
  }

  /**
   * As {@link #train}, on ranked episodes: each response's log-probability is taken over the
   * policy's turns only, the environment's tokens staying context (WebGPT's comparisons of whole
   * sessions).
   */
  public Evaluation trainEpisodes(
      List<EpisodeRanking> train, List<EpisodeRanking> eval, Path checkpointDir) {
    int max = config.training().maxLength();
    return trainEncoded(
        EncodedRanking.encodeEpisodes(tokenizer, train, max),
        EncodedRanking.encodeEpisodes(tokenizer, eval, max),
        checkpointDir);
  }

  private Evaluation trainEncoded(
      List<EncodedRanking> train, List<EncodedRanking> eval, Path checkpointDir) {
    try (TrainingLock lock = TrainingLock.acquire(run.name(STAGE))) {
      GradMode.offOnThisThread();
      return trainLocked(train, eval, checkpointDir);
    }
  }

  private Evaluation trainLocked(
      List<EncodedRanking> examples, List<EncodedRanking> eval, Path checkpointDir) {
    // The reference's log-probabilities, once per response, for every epoch.
    List<double[]> refLogp = referenceLogProbs(examples);
    Map<EncodedRanking, double[]> cached = new java.util.IdentityHashMap<>();
    for (int i = 0; i < examples.size(); i++) {
      cached.put(examples.get(i), refLogp.get(i));
    }
    policy.setTrainable(true);
    try (AdamW optimizer =
        new AdamW(config.training().optimizer(), policy.parameters(), policy.manager())) {
      EpochLoop.run(
          config.training().plan(STAGE),
          examples,
          policy,
          tokenizer,
          optimizer,
          run,
          checkpointDir,
          (batch, step) -> step(batch, step, cached),
          () -> eval.isEmpty() ? Map.of() : evalMetrics(evaluateEncoded(eval)));
      policy.setTrainable(false);
      return eval.isEmpty() ? null : evaluateEncoded(eval);
    }
  }

  // Forward and backward on one batch of rankings: the DPO loss over all their pairs (+ RPO's NLL).
  private Map<String, Double> step(
      List<EncodedRanking> batch, long step, Map<EncodedRanking, double[]> cached) {
    Dropouts.seed(policy, config.training().seed(), step);
    try (NDManager scope = policy.manager().newSubManager();
        GradientCollector collector = GradMode.collector()) {
      SequenceBatch sequences =
          SequenceBatch.of(
              scope, EncodedRanking.allPrompts(batch), EncodedRanking.allResponses(batch));
      double[] ref = flatten(batch, cached);
      Backprop.Pass<StepLoss> pass =
          Backprop.run(
              policy,
              sequences,
              true,
              config.training().gradientCheckpointing(),
              hidden -> loss(scope, sequences, batch, ref, hidden),
              StepLoss::total,
              collector); // a non-finite loss stops the loop before any update
      float value = pass.loss();
      NDArray logp = pass.parts().logp();
      NDArray mask = pass.parts().mask();
      NDArray nll = pass.parts().nll();
      Map<String, Double> m =
          pairMetrics(value, toDouble(logp.toFloatArray()), ref, batch, lengths(mask));
      if (nll != null) {
        m.put("nll", (double) nll.getFloat());
      }
      return m;
    }
  }

  // One batch's loss and the tensors its metrics read: the response log-probabilities summed over
  // trained tokens [N], the trained-token mask, and RPO's NLL (null without it).
  private record StepLoss(NDArray total, NDArray logp, NDArray mask, NDArray nll) {}

  // The DPO loss over all pairs of the batch (+ RPO's NLL) from the policy's final hidden states.
  private StepLoss loss(
      NDManager scope,
      SequenceBatch sequences,
      List<EncodedRanking> batch,
      double[] ref,
      NDArray hidden) {
    NDArray tokenLogp = sequences.responseLogProbs(policy, hidden, 1.0);
    NDArray mask = sequences.responseMask();
    List<double[]> flags = EncodedRanking.allTrained(batch);
    if (flags.stream().anyMatch(java.util.Objects::nonNull)) {
      // Episodes: the environment's tokens are context, out of every sum.
      mask = mask.mul(ResponseLogProbs.trainedMask(scope, flags, mask));
      tokenLogp = tokenLogp.mul(mask);
    }
    NDArray logp = perResponse(tokenLogp, mask);
    NDArray loss =
        Losses.dpoLoss(
            logp,
            scope.create(toFloat(ref)),
            RankingBatch.pairIndex(EncodedRanking.allRanks(batch), new double[batch.size()]),
            config.objective());
    NDArray nll = null;
    if (config.objective().sftCoefficient() > 0) {
      NDArray best = scope.create(bestRows(batch)).reshape(-1, 1);
      nll = Losses.tokenNll(tokenLogp, mask.mul(best));
      loss = loss.add(nll.mul(Scalars.of(nll, config.objective().sftCoefficient())));
    }
    return new StepLoss(loss, logp, mask, nll);
  }

  private static Map<String, Double> evalMetrics(Evaluation e) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("eval_accuracy", e.accuracy());
    m.put("eval_likelihood_accuracy", e.likelihoodAccuracy());
    m.put("eval_chosen_reward", e.chosenReward());
    m.put("eval_rejected_reward", e.rejectedReward());
    m.put("eval_margin", e.margin());
    return m;
  }

  /** The implicit-reward and likelihood accuracies and rewards on {@code rankings}. */
  public Evaluation evaluate(List<Ranking> rankings) {
    return evaluateEncoded(
        EncodedRanking.encode(tokenizer, rankings, config.training().maxLength()));
  }

  /** {@link #evaluate} on ranked episodes, their policy turns only. */
  public Evaluation evaluateEpisodes(List<EpisodeRanking> rankings) {
    return evaluateEncoded(
        EncodedRanking.encodeEpisodes(tokenizer, rankings, config.training().maxLength()));
  }

  private Evaluation evaluateEncoded(List<EncodedRanking> encoded) {
    List<double[]> ref = referenceLogProbs(encoded);
    List<double[]> own = logProbs(policy, encoded, false);
    List<double[]> ownMean = perTokenMeans(own, encoded); // from the same pass

    DpoObjective o = config.objective();
    double right = 0;
    double likely = 0;
    double chosen = 0;
    double rejected = 0;
    double loss = 0;
    long pairs = 0;
    for (int i = 0; i < encoded.size(); i++) {
      List<Integer> ranks = encoded.get(i).ranks();
      double[] p = o.type().perTokenMean() ? ownMean.get(i) : own.get(i);
      double[] r = ref.get(i);
      for (int w = 0; w < ranks.size(); w++) {
        for (int l = 0; l < ranks.size(); l++) {
          if (ranks.get(w) < ranks.get(l)) {
            double rw = o.reward(p[w], r[w]);
            double rl = o.reward(p[l], r[l]);
            right += rw > rl ? 1 : 0;
            likely += ownMean.get(i)[w] > ownMean.get(i)[l] ? 1 : 0;
            chosen += rw;
            rejected += rl;
            loss += o.loss(p[w], p[l], r[w], r[l]);
            pairs++;
          }
        }
      }
    }
    return new Evaluation(
        right / pairs, likely / pairs, chosen / pairs, rejected / pairs, loss / pairs);
  }

  // log π_ref of every response, summed over its tokens (per-token mean for IPO); 0 for a loss
  // without a reference (SimPO, ORPO).
  private List<double[]> referenceLogProbs(List<EncodedRanking> examples) {
    if (reference == null) {
      return examples.stream().map(e -> new double[e.responses().size()]).toList();
    }
    return logProbs(reference, examples, config.objective().type().perTokenMean());
  }

  // Per-response log-probabilities of `model`, without gradients, one array per ranking.
  private static List<double[]> logProbs(
      CausalLm model, List<EncodedRanking> examples, boolean perTokenMean) {
    double[] flat =
        ResponseLogProbs.of(
            model,
            EncodedRanking.allPrompts(examples),
            EncodedRanking.allResponses(examples),
            EncodedRanking.allTrained(examples),
            perTokenMean);
    List<double[]> out = new ArrayList<>();
    int k = 0;
    for (EncodedRanking e : examples) {
      out.add(java.util.Arrays.copyOfRange(flat, k, k + e.responses().size()));
      k += e.responses().size();
    }
    return out;
  }

  // Each sum over a response's tokens divided by its token count.
  private static List<double[]> perTokenMeans(List<double[]> sums, List<EncodedRanking> examples) {
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i < sums.size(); i++) {
      EncodedRanking e = examples.get(i);
      double[] mean = new double[e.responses().size()];
      for (int j = 0; j < mean.length; j++) {
        mean[j] = sums.get(i)[j] / trainedTokens(e, j);
      }
      out.add(mean);
    }
    return out;
  }

  // Each response's log-probability from its tokens' (per-token mean for IPO), [N].
  private NDArray perResponse(NDArray tokenLogp, NDArray mask) {
    NDArray sums = tokenLogp.sum(new int[] {1});
    return config.objective().type().perTokenMean() ? sums.div(mask.sum(new int[] {1})) : sums;
  }

  private static double[] lengths(NDArray mask) {
    return toDouble(mask.sum(new int[] {1}).toFloatArray());
  }

  // The tokens response j's log-probability is taken over: all, or an episode's policy tokens.
  private static int trainedTokens(EncodedRanking e, int j) {
    if (e.trained() == null) {
      return e.responses().get(j).length;
    }
    int n = 0;
    for (double f : e.trained().get(j)) {
      n += f != 0 ? 1 : 0;
    }
    return n;
  }

  // 1 for each ranking's best-ranked responses (RPO's NLL target), 0 for the others.
  private static float[] bestRows(List<EncodedRanking> batch) {
    List<Float> out = new ArrayList<>();
    for (EncodedRanking e : batch) {
      int best = Collections.min(e.ranks());
      for (int rank : e.ranks()) {
        out.add(rank == best ? 1f : 0f);
      }
    }
    float[] a = new float[out.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = out.get(i);
    }
    return a;
  }

  private static double[] flatten(List<EncodedRanking> batch, Map<EncodedRanking, double[]> ref) {
    return batch.stream().flatMapToDouble(e -> java.util.Arrays.stream(ref.get(e))).toArray();
  }

  // TRL's metrics over the batch's pairs: implicit rewards, their margin and accuracy.
  private Map<String, Double> pairMetrics(
      double loss, double[] logp, double[] ref, List<EncodedRanking> batch, double[] lengths) {
    DpoObjective o = config.objective();
    double chosen = 0;
    double rejected = 0;
    double right = 0;
    long pairs = 0;
    int offset = 0;
    for (EncodedRanking e : batch) {
      List<Integer> ranks = e.ranks();
      for (int w = 0; w < ranks.size(); w++) {
        for (int l = 0; l < ranks.size(); l++) {
          if (ranks.get(w) < ranks.get(l)) {
            double rw = o.reward(logp[offset + w], ref[offset + w]);
            double rl = o.reward(logp[offset + l], ref[offset + l]);
            chosen += rw;
            rejected += rl;
            right += rw > rl ? 1 : 0;
            pairs++;
          }
        }
      }
      offset += ranks.size();
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("loss", loss);
    m.put("rewards_chosen", chosen / pairs);
    m.put("rewards_rejected", rejected / pairs);
    m.put("rewards_margin", (chosen - rejected) / pairs);
    m.put("rewards_accuracy", right / pairs);
    m.put("response_length", java.util.Arrays.stream(lengths).average().orElse(0));
    return m;
  }

  private static float[] toFloat(double[] x) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) x[i];
    }
    return out;
  }

  private static double[] toDouble(float[] x) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i];
    }
    return out;
  }

  @Override
  public void close() {
    if (ownsReference && reference != null) {
      reference.close();
    }
  }
}
