package io.rlhf4j.djl.train.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.google.common.collect.Lists;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.internal.engine.HostArrays;
import io.rlhf4j.djl.internal.engine.Scalars;
import io.rlhf4j.djl.internal.train.Backprop;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.djl.train.AdamW;
import io.rlhf4j.djl.train.Losses;
import io.rlhf4j.djl.train.PolicyTokens;
import io.rlhf4j.djl.train.Steps;
import io.rlhf4j.djl.train.rl.PolicyLoss;
import io.rlhf4j.internal.train.Seeds;
import io.rlhf4j.train.Masked;
import io.rlhf4j.train.TrainingDivergedException;
import io.rlhf4j.train.ppo.KlEstimator;
import io.rlhf4j.train.ppo.PpoDiagnostics;
import io.rlhf4j.train.rl.PolicyObjective;
import io.rlhf4j.train.rl.TruncatedImportanceSampling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * PPO's update on one {@link Experience}: {@code ppoEpochs} passes of shuffled minibatches, each a
 * policy step on the configured policy loss (PPO's clipped surrogate by default) (+ γ·ptx on a
 * fresh pretraining batch) and a value step on the clipped value loss, each model with its own
 * AdamW. Returns the means over all updates of the losses and CleanRL's diagnostics (approximate KL
 * k3 of π_new/π_old, clip fraction |ρ−1| &gt; ε).
 *
 * <p>The value loss is not weighted: with its own optimizer, AdamW is invariant to a constant scale
 * on the loss, so a coefficient would only move the gradient-clipping threshold. The value model's
 * learning rate ({@link PpoConfig#valueOptimizer()}) is the control, and {@code value_loss} is
 * reported as the loss itself.
 */
final class PpoUpdate {
  /** The purpose of the minibatch-order stream in {@link Seeds#derive}. */
  static final long ORDER = 1;

  /** The purpose of the pretraining-batch stream in {@link Seeds#derive}. */
  static final long PTX = 2;

  private final CausalLm policyModel;
  private final CausalLm valueModel;
  private final AdamW policyOptimizer;
  private final AdamW valueOptimizer;
  private final PpoConfig config;
  private final List<int[]> pretraining;
  private final String stage;
  private final PolicyLoss policyLoss;

  PpoUpdate(
      CausalLm policyModel,
      CausalLm valueModel,
      AdamW policyOptimizer,
      AdamW valueOptimizer,
      PpoConfig config,
      List<int[]> pretraining,
      String stage) {
    this.policyModel = policyModel;
    this.valueModel = valueModel;
    this.policyOptimizer = policyOptimizer;
    this.valueOptimizer = valueOptimizer;
    this.config = config;
    this.pretraining = pretraining;
    this.stage = stage;
    this.policyLoss = config.newPolicyLoss();
  }

  Map<String, Double> run(Experience e) {
    long iteration = e.iteration();
    Random order = new Random(Seeds.derive(config.seed(), iteration, ORDER));
    PretrainingBatches ptx =
        config.ptxCoefficient() > 0
            ? new PretrainingBatches(pretraining, Seeds.derive(config.seed(), iteration, PTX))
            : null;
    Means means = new Means();
    for (int epoch = 0; epoch < config.ppoEpochs(); epoch++) {
      List<Integer> indices = new ArrayList<>();
      for (int i = 0; i < e.size(); i++) {
        indices.add(i);
      }
      Collections.shuffle(indices, order);
      for (int from = 0; from < e.size(); from += config.miniBatchSize()) {
        minibatch(e, indices.subList(from, from + config.miniBatchSize()), ptx, means);
      }
    }
    return means.result(config.ptxCoefficient() > 0);
  }

  // One policy step and (with a critic) one value step on the minibatch `rows`, each accumulated
  // over micro-batches whose losses are their exact shares of the minibatch's loss: the
  // aggregation's weights and denominator are those of the whole minibatch.
  private void minibatch(Experience e, List<Integer> rows, PretrainingBatches ptx, Means means) {
    long iteration = e.iteration();
    int width = HostArrays.width(rows.stream().map(e.episodes().responses()::get).toList());
    double[][] mask = HostArrays.pick(e.mask(), rows, width);
    double[][] oldLogp = HostArrays.pick(e.logProbs().old(), rows, width);
    double tokens = total(mask);
    PolicyObjective objective = config.objective();
    double denominator = objective.aggregation().denominator(mask);
    List<List<Integer>> micro = Lists.partition(rows, config.microBatchSize());
    double[][] newLogp = new double[rows.size()][];
    // Truncated importance sampling: constant weights from the rollout, indexed like the
    // experience.
    double[][] isWeights =
        config.truncatedImportanceSampling() > 0
            ? TruncatedImportanceSampling.weights(
                e.logProbs().old(),
                e.logProbs().rollout(),
                config.truncatedImportanceSampling(),
                e.mask())
            : null;
    if (isWeights != null) {
      double[][] picked = HostArrays.pick(isWeights, rows, width);
      means.add("tis_weight", Masked.mean(picked, mask));
      means.add(
          "tis_capped_fraction",
          Masked.mean(capped(picked, config.truncatedImportanceSampling()), mask));
    }
    // Policy: the objective, plus γ·ptx on a pretraining batch.
    double policyLoss = 0;
    double entropy = 0;
    int done = 0;
    for (List<Integer> part : micro) {
      try (NDManager scope = policyModel.manager().newSubManager();
          GradientCollector collector = GradMode.collector()) {
        SequenceBatch batch = batchOf(scope, e, part);
        int w = (int) batch.targets().getShape().get(1);
        // The experience's mask, not the batch's: in an episode the environment's tokens are
        // response tokens of the batch but not actions of the policy.
        NDArray actions = HostArrays.tensor(scope, HostArrays.pick(e.mask(), part, w));
        Backprop.Pass<SequenceBatch.TokenStatistics> pass =
            Backprop.run(
                policyModel,
                batch,
                false,
                config.gradientCheckpointing(),
                hidden ->
                    batch.responseLogProbsAndEntropy(
                        policyModel,
                        hidden,
                        config.sampling().temperature(),
                        objective.entropyCoefficient() > 0),
                s ->
                    Losses.policyObjective(
                        this.policyLoss,
                        policyTokens(s, e, part, w, actions, isWeights, objective),
                        Scalars.of(s.logProbs(), denominator),
                        objective),
                collector);
        SequenceBatch.TokenStatistics stats = pass.parts();
        float value = pass.loss();
        TrainingDivergedException.check(stage, iteration, "policy loss", value);
        policyLoss += value;
        entropy += stats.entropy().mul(actions).sum().getFloat() / tokens;
        done = HostArrays.place(HostArrays.rows(stats.logProbs()), newLogp, done, width);
      }
    }
    means.add("policy_loss", policyLoss);
    if (ptx != null) {
      means.add("ptx_loss", ptxStep(ptx.next(config.miniBatchSize()), iteration));
    }
    means.add("entropy", entropy);
    if (objective.klCoefficient() > 0) {
      double[][] refLogp = HostArrays.pick(e.logProbs().reference(), rows, width);
      means.add(
          "kl_loss_" + objective.klEstimator().name().toLowerCase(Locale.ROOT),
          tokenMean(newLogp, refLogp, mask, objective.klEstimator()));
    }
    means.add(
        "policy_grad_norm",
        Steps.apply(policyOptimizer, lrFactor(policyOptimizer), stage, iteration));
    means.add("approx_kl", PpoDiagnostics.approxKl(newLogp, oldLogp, mask));
    means.add(
        "clip_fraction",
        PpoDiagnostics.clipFraction(
            newLogp, oldLogp, mask, config.clipRange(), config.clipRangeHigh()));
    if (valueModel != null) {
      valueStep(e, rows, micro, width, mask, tokens, means);
    }
    means.count();
  }

  // The policy loss's inputs for micro-batch `part` of width w: the new log-probabilities (and
  // entropy) from the pass, the rest from the experience.
  private static PolicyTokens policyTokens(
      SequenceBatch.TokenStatistics stats,
      Experience e,
      List<Integer> part,
      int w,
      NDArray actions,
      double[][] isWeights,
      PolicyObjective objective) {
    NDManager scope = actions.getManager();
    PolicyTokens in =
        PolicyTokens.of(
            stats.logProbs(),
            HostArrays.tensor(scope, HostArrays.pick(e.logProbs().old(), part, w)),
            HostArrays.tensor(scope, HostArrays.pick(e.targets().advantages(), part, w)),
            actions);
    if (objective.klCoefficient() > 0) {
      in =
          in.withReference(
              HostArrays.tensor(scope, HostArrays.pick(e.logProbs().reference(), part, w)));
    }
    if (objective.entropyCoefficient() > 0) {
      in = in.withEntropy(stats.entropy());
    }
    if (isWeights != null) {
      in = in.withImportanceWeights(HostArrays.tensor(scope, HostArrays.pick(isWeights, part, w)));
    }
    return in;
  }

  // The value model's clipped value loss against the estimator's returns, token mean.
  private void valueStep(
      Experience e,
      List<Integer> rows,
      List<List<Integer>> micro,
      int width,
      double[][] mask,
      double tokens,
      Means means) {
    long iteration = e.iteration();
    double[][] oldValues = HostArrays.pick(e.values(), rows, width);
    double[][] newValues = new double[rows.size()][];
    double valueLoss = 0;
    int done = 0;
    for (List<Integer> part : micro) {
      try (NDManager scope = valueModel.manager().newSubManager();
          GradientCollector collector = GradMode.collector()) {
        SequenceBatch batch = batchOf(scope, e, part);
        int w = (int) batch.targets().getShape().get(1);
        Backprop.Pass<NDArray> pass =
            Backprop.run(
                valueModel,
                batch,
                false,
                config.gradientCheckpointing(),
                hidden -> batch.responseValues(valueModel.scoreAll(hidden)),
                v ->
                    Losses.valueLoss(
                        v,
                        HostArrays.tensor(scope, HostArrays.pick(e.values(), part, w)),
                        HostArrays.tensor(scope, HostArrays.pick(e.targets().returns(), part, w)),
                        HostArrays.tensor(scope, HostArrays.pick(e.mask(), part, w)),
                        config.valueClipRange(),
                        Scalars.of(v, tokens)),
                collector);
        TrainingDivergedException.check(stage, iteration, "value loss", pass.loss());
        valueLoss += pass.loss();
        done = HostArrays.place(HostArrays.rows(pass.parts()), newValues, done, width);
      }
    }
    means.add("value_loss", valueLoss);
    means.add(
        "value_grad_norm", Steps.apply(valueOptimizer, lrFactor(valueOptimizer), stage, iteration));
    means.add(
        "value_clip_fraction",
        PpoDiagnostics.valueClipFraction(newValues, oldValues, mask, config.valueClipRange()));
  }

  // The schedule's multiplier for the optimizer's next step.
  private double lrFactor(AdamW optimizer) {
    return config.schedule().factor(optimizer.stepCount() + 1);
  }

  private static double tokenMean(
      double[][] logp, double[][] refLogp, double[][] mask, KlEstimator estimator) {
    double sum = 0;
    double n = 0;
    for (int b = 0; b < logp.length; b++) {
      for (int t = 0; t < logp[b].length; t++) {
        if (mask[b][t] != 0) {
          sum += estimator.estimate(logp[b][t], refLogp[b][t]);
          n++;
        }
      }
    }
    return n == 0 ? 0 : sum / n;
  }

  private static SequenceBatch batchOf(NDManager scope, Experience e, List<Integer> rows) {
    return SequenceBatch.of(
        scope,
        rows.stream().map(e.episodes().prompts()::get).toList(),
        rows.stream().map(e.episodes().responses()::get).toList());
  }

  // 1 where a weight reached the cap, for the share of tokens truncation touched.
  private static double[][] capped(double[][] weights, double cap) {
    double[][] out = new double[weights.length][];
    for (int b = 0; b < weights.length; b++) {
      out[b] = new double[weights[b].length];
      for (int t = 0; t < weights[b].length; t++) {
        out[b][t] = weights[b][t] >= cap ? 1 : 0;
      }
    }
    return out;
  }

  private static double total(double[][] mask) {
    double sum = 0;
    for (double[] row : mask) {
      for (double m : row) {
        sum += m;
      }
    }
    return sum;
  }

  // The pretraining term γ·NLL of a batch of pretraining sequences (all tokens but the first),
  // accumulated into the policy's gradients over micro-batches; returns the NLL.
  private double ptxStep(List<int[]> sequences, long iteration) {
    List<int[]> prompts = new ArrayList<>();
    List<int[]> continuations = new ArrayList<>();
    double tokens = 0;
    for (int[] sequence : sequences) {
      prompts.add(Arrays.copyOf(sequence, 1));
      continuations.add(Arrays.copyOfRange(sequence, 1, sequence.length));
      tokens += sequence.length - 1;
    }
    double allTokens = tokens;
    double nll = 0;
    for (int from = 0; from < sequences.size(); from += config.microBatchSize()) {
      int to = Math.min(sequences.size(), from + config.microBatchSize());
      try (NDManager scope = policyModel.manager().newSubManager();
          GradientCollector collector = GradMode.collector()) {
        SequenceBatch batch =
            SequenceBatch.of(scope, prompts.subList(from, to), continuations.subList(from, to));
        // The pass returns this micro-batch's share of the NLL; its backward is γ times that.
        Backprop.Pass<NDArray> pass =
            Backprop.run(
                policyModel,
                batch,
                false,
                config.gradientCheckpointing(),
                hidden -> {
                  NDArray logp = batch.responseLogProbs(policyModel, hidden, 1.0);
                  return Losses.tokenNll(logp, batch.responseMask(), Scalars.of(logp, allTokens));
                },
                share -> share.mul(Scalars.of(share, config.ptxCoefficient())),
                collector);
        double value = pass.parts().getFloat();
        TrainingDivergedException.check(stage, iteration, "ptx loss", value);
        nll += value;
      }
    }
    return nll;
  }

  /** Sums of per-update statistics, averaged over the updates at the end. */
  private static final class Means {
    private static final List<String> ORDER_OF_METRICS =
        List.of(
            "policy_loss",
            "value_loss",
            "ptx_loss",
            "approx_kl",
            "clip_fraction",
            "value_clip_fraction",
            "entropy",
            "kl_loss_k1",
            "kl_loss_k2",
            "kl_loss_k3",
            "policy_grad_norm",
            "value_grad_norm",
            "tis_weight",
            "tis_capped_fraction");
    private final Map<String, Double> sums = new LinkedHashMap<>();
    private int updates;

    void add(String name, double value) {
      sums.merge(name, value, Double::sum);
    }

    void count() {
      updates++;
    }

    Map<String, Double> result(boolean withPtx) {
      Map<String, Double> m = new LinkedHashMap<>();
      for (String name : ORDER_OF_METRICS) {
        if (sums.containsKey(name) && (withPtx || !name.equals("ptx_loss"))) {
          m.put(name, sums.get(name) / updates);
        }
      }
      return m;
    }
  }
}
