package io.rlhf4j.djl.train.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.internal.train.Backprop;
import io.rlhf4j.djl.internal.train.Contexts;
import io.rlhf4j.djl.internal.train.Dropouts;
import io.rlhf4j.djl.internal.train.EncodedRanking;
import io.rlhf4j.djl.internal.train.RankingBatch;
import io.rlhf4j.djl.internal.train.TrainingLock;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.train.AdamW;
import io.rlhf4j.djl.train.EpochLoop;
import io.rlhf4j.djl.train.Losses;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.train.reward.RankingLoss;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reward-model training (InstructGPT step 2) on K-wise rankings with the normalised pairwise loss
 * {@link RankingLoss}: every prompt's K responses go through one forward pass together and give all
 * their C(K,2) pairs to the loss.
 */
public final class RewardTrainer {
  /** The stage name in metrics and checkpoints. */
  public static final String STAGE = "reward";

  private final DjlRewardModel rewardModel;
  private final SavableTokenizer tokenizer;
  private final RewardConfig config;
  private final TrainingRun run;

  /**
   * Trains {@code rewardModel} (a trunk with a scalar head) in place.
   *
   * @throws IllegalArgumentException when {@code config.training().maxLength()} exceeds the model's
   *     context
   */
  public RewardTrainer(
      DjlRewardModel rewardModel,
      SavableTokenizer tokenizer,
      RewardConfig config,
      TrainingRun run) {
    Contexts.check(config.training().maxLength(), rewardModel.model());
    Backprop.checkCheckpointing(config.training().gradientCheckpointing(), rewardModel.model());
    this.rewardModel = rewardModel;
    this.tokenizer = tokenizer;
    this.config = config;
    this.run = run;
  }

  /** Held-out quality: pairwise accuracy, mean chosen and rejected reward, mean margin. */
  public record Evaluation(double accuracy, double chosenMean, double rejectedMean, double loss) {
    /** Mean r_w − r_l over pairs. */
    public double margin() {
      return chosenMean - rejectedMean;
    }
  }

  /**
   * Trains on {@code train} rankings; rankings whose responses all tie are skipped (they hold no
   * comparison).
   *
   * @param checkpointDir where to checkpoint and resume from; null for none
   */
  public Evaluation train(List<Ranking> train, List<Ranking> eval, Path checkpointDir) {
    try (TrainingLock lock = TrainingLock.acquire(run.name(STAGE))) {
      GradMode.offOnThisThread();
      return trainLocked(train, eval, checkpointDir);
    }
  }

  private Evaluation trainLocked(List<Ranking> train, List<Ranking> eval, Path checkpointDir) {
    List<EncodedRanking> examples = encode(train);
    CausalLm model = rewardModel.model();
    model.setTrainable(true);
    try (AdamW optimizer =
        new AdamW(config.training().optimizer(), model.parameters(), model.manager())) {
      EpochLoop.run(
          config.training().plan(STAGE),
          examples,
          model,
          tokenizer,
          optimizer,
          run,
          checkpointDir,
          (batch, step) -> {
            Dropouts.seed(model, config.training().seed(), step);
            try (NDManager scope = model.manager().newSubManager();
                GradientCollector collector = GradMode.collector()) {
              SequenceBatch sequences =
                  SequenceBatch.of(
                      scope, EncodedRanking.allPrompts(batch), EncodedRanking.allResponses(batch));
              Backprop.Pass<NDArray> rewards =
                  Backprop.run(
                      model,
                      sequences,
                      true,
                      config.training().gradientCheckpointing(),
                      hidden -> model.score(hidden, sequences.lastToken()),
                      r -> Losses.rankingLoss(r, pairIndex(batch)),
                      collector);
              return batchMetrics(rewards.loss(), rewards.parts().toFloatArray(), batch);
            }
          },
          () -> eval.isEmpty() ? Map.of() : evalMetrics(evaluate(eval), eval.size()));
      model.setTrainable(false);
      return eval.isEmpty() ? null : evaluate(eval);
    }
  }

  private static Map<String, Double> evalMetrics(Evaluation e, int rankings) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("eval_accuracy", e.accuracy());
    m.put("eval_chosen_reward", e.chosenMean());
    m.put("eval_rejected_reward", e.rejectedMean());
    m.put("eval_margin", e.margin());
    m.put("eval_rankings", (double) rankings);
    return m;
  }

  /** Held-out pairwise accuracy and reward statistics, pooled over all pairs. */
  public Evaluation evaluate(List<Ranking> rankings) {
    List<EncodedRanking> encoded = encode(rankings);
    // Score every response of every ranking in one batched pass, then regroup per prompt.
    double[] flat =
        rewardModel.score(EncodedRanking.allPrompts(encoded), EncodedRanking.allResponses(encoded));
    List<double[]> rewards = new ArrayList<>();
    double[] margins = new double[encoded.size()];
    int offset = 0;
    for (int i = 0; i < encoded.size(); i++) {
      int k = encoded.get(i).responses().size();
      rewards.add(java.util.Arrays.copyOfRange(flat, offset, offset + k));
      offset += k;
      margins[i] = encoded.get(i).margin();
    }
    List<List<Integer>> ranks = encoded.stream().map(EncodedRanking::ranks).toList();
    double[] means = pairMeans(rewards, ranks);
    return new Evaluation(
        RankingLoss.accuracy(rewards, ranks),
        means[0],
        means[1],
        RankingLoss.batchLoss(rewards, ranks, margins));
  }

  // Mean reward of the preferred and of the dispreferred side, pooled over all pairs.
  private static double[] pairMeans(List<double[]> rewards, List<List<Integer>> ranks) {
    double chosen = 0;
    double rejected = 0;
    long pairs = 0;
    for (int i = 0; i < rewards.size(); i++) {
      double[] r = rewards.get(i);
      for (int w = 0; w < r.length; w++) {
        for (int l = 0; l < r.length; l++) {
          if (ranks.get(i).get(w) < ranks.get(i).get(l)) {
            chosen += r[w];
            rejected += r[l];
            pairs++;
          }
        }
      }
    }
    return new double[] {chosen / pairs, rejected / pairs};
  }

  private static Losses.PairIndex pairIndex(List<EncodedRanking> batch) {
    return RankingBatch.pairIndex(
        batch.stream().map(EncodedRanking::ranks).toList(),
        batch.stream().mapToDouble(EncodedRanking::margin).toArray());
  }

  private static Map<String, Double> batchMetrics(
      double loss, float[] flat, List<EncodedRanking> batch) {
    List<double[]> rewards = new ArrayList<>();
    int k = 0;
    for (EncodedRanking e : batch) {
      double[] r = new double[e.responses().size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = flat[k++];
      }
      rewards.add(r);
    }
    List<List<Integer>> ranks = batch.stream().map(EncodedRanking::ranks).toList();
    double[] means = pairMeans(rewards, ranks);
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("loss", loss);
    m.put("accuracy", RankingLoss.accuracy(rewards, ranks));
    m.put("chosen_reward", means[0]);
    m.put("rejected_reward", means[1]);
    m.put("margin", means[0] - means[1]);
    return m;
  }

  private List<EncodedRanking> encode(List<Ranking> rankings) {
    return EncodedRanking.encode(tokenizer, rankings, config.training().maxLength());
  }
}
