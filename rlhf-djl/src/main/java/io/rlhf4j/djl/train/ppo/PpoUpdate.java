package io.rlhf4j.djl.train.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.GradMode;
import io.rlhf4j.djl.model.HostArrays;
import io.rlhf4j.djl.model.Scalars;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.djl.train.AdamW;
import io.rlhf4j.djl.train.Losses;
import io.rlhf4j.djl.train.Steps;
import io.rlhf4j.train.Seeds;
import io.rlhf4j.train.TrainingDivergedException;
import io.rlhf4j.train.ppo.PpoDiagnostics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * PPO's update on one {@link Experience}: {@code ppoEpochs} passes of shuffled minibatches, each a
 * policy step on the clipped surrogate (+ γ·ptx on a fresh pretraining batch) and a value step on
 * the clipped value loss, each model with its own AdamW. Returns the means over all updates of the
 * losses and CleanRL's diagnostics (approximate KL k3 of π_new/π_old, clip fraction |ρ−1| &gt; ε).
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

  PpoUpdate(
      CausalLm policyModel,
      CausalLm valueModel,
      AdamW policyOptimizer,
      AdamW valueOptimizer,
      PpoConfig config,
      List<int[]> pretraining) {
    this.policyModel = policyModel;
    this.valueModel = valueModel;
    this.policyOptimizer = policyOptimizer;
    this.valueOptimizer = valueOptimizer;
    this.config = config;
    this.pretraining = pretraining;
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

  private void minibatch(Experience e, List<Integer> rows, PretrainingBatches ptx, Means means) {
    long iteration = e.iteration();
    List<int[]> prompts = rows.stream().map(e.prompts()::get).toList();
    List<int[]> responses = rows.stream().map(e.responses()::get).toList();
    int width = HostArrays.width(responses);
    double[][] mask = HostArrays.pick(e.mask(), rows, width);
    double[][] oldLogp = HostArrays.pick(e.logProbs(), rows, width);
    double[][] oldValues = HostArrays.pick(e.values(), rows, width);
    double[][] advantages = HostArrays.pick(e.advantages(), rows, width);
    double[][] returns = HostArrays.pick(e.returns(), rows, width);
    double temperature = config.sampling().temperature();
    double[][] newLogp;
    double[][] newValues;
    // Policy: clipped surrogate, plus γ·ptx on a pretraining batch.
    try (NDManager scope = policyModel.manager().newSubManager();
        GradientCollector collector = GradMode.collector()) {
      SequenceBatch batch = SequenceBatch.of(scope, prompts, responses);
      NDArray logits = logits(policyModel, batch);
      NDArray logp = batch.responseLogProbs(logits, temperature);
      NDArray loss =
          Losses.policyLoss(
              logp,
              HostArrays.tensor(scope, oldLogp),
              HostArrays.tensor(scope, advantages),
              batch.responseMask(),
              config.clipRange());
      means.add("policy_loss", loss.getFloat());
      if (ptx != null) {
        NDArray nll = ptxLoss(scope, ptx.next(config.miniBatchSize()));
        means.add("ptx_loss", nll.getFloat());
        loss = loss.add(nll.mul(Scalars.of(nll, config.ptxCoefficient())));
      }
      TrainingDivergedException.check(
          DjlPpoTrainer.STAGE, iteration, "policy loss", loss.getFloat());
      collector.backward(loss);
      means.add("entropy", entropy(logits, batch, temperature));
      newLogp = HostArrays.rows(logp);
    }
    means.add(
        "policy_grad_norm", Steps.apply(policyOptimizer, 1.0, DjlPpoTrainer.STAGE, iteration));
    // Value model: clipped value loss against the GAE returns.
    try (NDManager scope = valueModel.manager().newSubManager();
        GradientCollector collector = GradMode.collector()) {
      SequenceBatch batch = SequenceBatch.of(scope, prompts, responses);
      NDArray v = batch.responseValues(valueModel.scoreAll(hidden(valueModel, batch)));
      NDArray loss =
          Losses.valueLoss(
              v,
              HostArrays.tensor(scope, oldValues),
              HostArrays.tensor(scope, returns),
              batch.responseMask(),
              config.valueClipRange());
      means.add("value_loss", loss.getFloat());
      TrainingDivergedException.check(
          DjlPpoTrainer.STAGE, iteration, "value loss", loss.getFloat());
      collector.backward(loss);
      newValues = HostArrays.rows(v);
    }
    means.add("value_grad_norm", Steps.apply(valueOptimizer, 1.0, DjlPpoTrainer.STAGE, iteration));
    means.add("approx_kl", PpoDiagnostics.approxKl(newLogp, oldLogp, mask));
    means.add(
        "clip_fraction", PpoDiagnostics.clipFraction(newLogp, oldLogp, mask, config.clipRange()));
    means.add(
        "value_clip_fraction",
        PpoDiagnostics.valueClipFraction(newValues, oldValues, mask, config.valueClipRange()));
    means.count();
  }

  // The pretraining term: NLL of a batch of pretraining sequences (all tokens but the first).
  private NDArray ptxLoss(NDManager scope, List<int[]> sequences) {
    List<int[]> prompts = new ArrayList<>();
    List<int[]> continuations = new ArrayList<>();
    for (int[] sequence : sequences) {
      prompts.add(Arrays.copyOf(sequence, 1));
      continuations.add(Arrays.copyOfRange(sequence, 1, sequence.length));
    }
    SequenceBatch batch = SequenceBatch.of(scope, prompts, continuations);
    return Losses.tokenNll(
        batch.responseLogProbs(logits(policyModel, batch), 1.0), batch.responseMask());
  }

  // Mean entropy of the tempered next-token distributions at response positions.
  private static double entropy(NDArray logits, SequenceBatch batch, double temperature) {
    NDArray gathered = SequenceBatch.gatherPositions(logits, batch.predictFrom());
    NDArray z = gathered.div(Scalars.of(gathered, temperature));
    NDArray logp = z.logSoftmax(-1);
    NDArray perToken = logp.exp().mul(logp).sum(new int[] {-1}).neg();
    return Losses.maskedMean(perToken, batch.responseMask()).getFloat();
  }

  private static NDArray hidden(CausalLm model, SequenceBatch batch) {
    return model.hidden(batch.tokens(), batch.valid(), null);
  }

  private static NDArray logits(CausalLm model, SequenceBatch batch) {
    return model.logits(hidden(model, batch));
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
            "policy_grad_norm",
            "value_grad_norm");
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
