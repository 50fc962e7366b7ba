package io.rlhf4j.djl.train.kto;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.rlhf4j.data.LabeledCompletion;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.internal.train.Backprop;
import io.rlhf4j.djl.internal.train.Contexts;
import io.rlhf4j.djl.internal.train.Dropouts;
import io.rlhf4j.djl.internal.train.ResponseLogProbs;
import io.rlhf4j.djl.internal.train.TrainingLock;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.train.AdamW;
import io.rlhf4j.djl.train.EpochLoop;
import io.rlhf4j.djl.train.Losses;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.train.Examples;
import io.rlhf4j.train.kto.KtoObjective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * KTO (Ethayarajh et al. 2024) on unpaired completions, offline: each completion judged good or bad
 * on its own moves the policy's log-ratio to a frozen reference up or down relative to z₀, the
 * batch's estimate of KL(π ‖ π_ref) ({@link KtoObjective}). No pairs are needed, so thumbs-up and
 * thumbs-down feedback trains it directly.
 *
 * <p>z₀ comes from each completion paired with the next example's prompt in the batch (TRL's
 * mismatched pairs), scored by policy and reference without gradients before the step; the
 * reference's log-probabilities of the real completions are computed once before training.
 */
public final class KtoTrainer implements AutoCloseable {
  /** The stage name in metrics and checkpoints. */
  public static final String STAGE = "kto";

  private final CausalLm policy;
  private final CausalLm reference;
  private final boolean ownsReference;
  private final SavableTokenizer tokenizer;
  private final KtoConfig config;
  private final TrainingRun run;

  /** One completion, tokenized, with its label and the reference's log-probability. */
  private record Encoded(int[] prompt, int[] completion, boolean desirable, double refLogp) {}

  /**
   * @param policy the SFT model (or a LoRA view of it), trained in place
   * @param reference the frozen reference; null makes a private copy of the policy as it is now
   */
  public KtoTrainer(
      CausalLm policy,
      CausalLm reference,
      SavableTokenizer tokenizer,
      KtoConfig config,
      TrainingRun run) {
    Contexts.check(config.training().maxLength(), policy);
    Backprop.checkCheckpointing(config.training().gradientCheckpointing(), policy);
    GradMode.offOnThisThread();
    this.policy = policy;
    this.ownsReference = reference == null;
    this.reference = reference == null ? policy.copy(policy.manager().getDevice()) : reference;
    this.tokenizer = tokenizer;
    this.config = config;
    this.run = run;
  }

  /**
   * Trains on {@code data}, resuming from {@code checkpointDir} when it holds a checkpoint (null:
   * no checkpoints).
   */
  public void train(List<LabeledCompletion> data, Path checkpointDir) {
    try (TrainingLock lock = TrainingLock.acquire(run.name(STAGE))) {
      GradMode.offOnThisThread();
      List<Examples.Example> examples = new ArrayList<>();
      for (LabeledCompletion c : data) {
        examples.add(
            Examples.encode(
                tokenizer, c.prompt(), c.completion(), false, config.training().maxLength()));
      }
      double[] ref =
          ResponseLogProbs.of(
              reference,
              examples.stream().map(Examples.Example::prompt).toList(),
              examples.stream().map(Examples.Example::response).toList(),
              false);
      List<Encoded> encoded = new ArrayList<>();
      for (int i = 0; i < examples.size(); i++) {
        Examples.Example e = examples.get(i);
        encoded.add(new Encoded(e.prompt(), e.response(), data.get(i).desirable(), ref[i]));
      }
      policy.setTrainable(true);
      try (AdamW optimizer =
          new AdamW(config.training().optimizer(), policy.parameters(), policy.manager())) {
        EpochLoop.run(
            config.training().plan(STAGE),
            encoded,
            policy,
            tokenizer,
            optimizer,
            run,
            checkpointDir,
            this::step,
            Map::of);
      } finally {
        policy.setTrainable(false);
      }
    }
  }

  // z₀ from the batch's mismatched pairs (no gradients), then KTO's loss and its backward pass.
  private Map<String, Double> step(List<Encoded> batch, long step) {
    int n = batch.size();
    List<int[]> prompts = new ArrayList<>();
    List<int[]> shifted = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] prompt = batch.get(i).prompt();
      int[] other = batch.get((i + 1) % n).completion();
      prompts.add(prompt);
      // Cut to fit maxLength beside this prompt (every prompt leaves room for one token).
      shifted.add(
          Arrays.copyOf(
              other, Math.min(other.length, config.training().maxLength() - prompt.length)));
    }
    double[] policyKl = ResponseLogProbs.of(policy, prompts, shifted, false);
    double[] referenceKl = ResponseLogProbs.of(reference, prompts, shifted, false);
    double[] klRatios = new double[n];
    for (int i = 0; i < n; i++) {
      klRatios[i] = policyKl[i] - referenceKl[i];
    }
    double z0 = KtoObjective.referencePoint(klRatios);
    boolean[] desirable = new boolean[n];
    float[] ref = new float[n];
    for (int i = 0; i < n; i++) {
      desirable[i] = batch.get(i).desirable();
      ref[i] = (float) batch.get(i).refLogp();
    }
    Dropouts.seed(policy, config.training().seed(), step);
    try (NDManager scope = policy.manager().newSubManager();
        GradientCollector collector = GradMode.collector()) {
      SequenceBatch sequences =
          SequenceBatch.of(
              scope,
              batch.stream().map(Encoded::prompt).toList(),
              batch.stream().map(Encoded::completion).toList());
      Backprop.Pass<NDArray> logp =
          Backprop.run(
              policy,
              sequences,
              true,
              config.training().gradientCheckpointing(),
              hidden -> sequences.responseLogProbs(policy, hidden, 1.0).sum(new int[] {1}),
              lp -> Losses.ktoLoss(lp, scope.create(ref), desirable, z0, config.objective()),
              collector); // a non-finite loss stops the loop before any update
      return metrics(logp.loss(), logp.parts().toFloatArray(), ref, desirable, z0);
    }
  }

  // TRL's KTO metrics: the implicit rewards β·r of desirable and undesirable completions, and z₀.
  private Map<String, Double> metrics(
      double loss, float[] logp, float[] ref, boolean[] desirable, double z0) {
    double beta = config.objective().beta();
    double chosen = 0;
    double rejected = 0;
    int good = 0;
    for (int i = 0; i < logp.length; i++) {
      double reward = beta * (logp[i] - ref[i]);
      if (desirable[i]) {
        chosen += reward;
        good++;
      } else {
        rejected += reward;
      }
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("loss", loss);
    m.put("kl", z0);
    m.put("rewards_chosen", good == 0 ? 0 : chosen / good);
    m.put("rewards_rejected", good == logp.length ? 0 : rejected / (logp.length - good));
    return m;
  }

  @Override
  public void close() {
    if (ownsReference) {
      reference.close();
    }
  }
}
