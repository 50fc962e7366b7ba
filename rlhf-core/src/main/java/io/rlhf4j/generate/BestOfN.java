package io.rlhf4j.generate;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.data.Demonstration;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.Policy;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.Tokenizer;
import io.rlhf4j.train.Examples;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Best-of-N (rejection) sampling: draw N responses per prompt from a policy and keep the one the
 * reward model scores highest. Used at inference as a cheap alternative to RL, and as a data
 * source: the kept responses are demonstrations for rejection-sampling fine-tuning.
 */
public final class BestOfN {
  private final Policy policy;
  private final RewardModel rewardModel;
  private final int n;

  /**
   * @param n samples per prompt (N = 1 is plain sampling)
   */
  public BestOfN(Policy policy, RewardModel rewardModel, int n) {
    checkArgument(n >= 1, "n must be >= 1: %s", n);
    this.policy = policy;
    this.rewardModel = rewardModel;
    this.n = n;
  }

  /** The winner for one prompt, with its score and the scores of all N candidates. */
  public record Choice(Generation best, double score, double[] candidateScores) {}

  /** Samples N per prompt in one batch and keeps each prompt's best. */
  public List<Choice> choose(List<int[]> prompts, SamplingConfig config) {
    List<int[]> batch = new ArrayList<>(prompts.size() * n);
    for (int[] prompt : prompts) {
      batch.addAll(Collections.nCopies(n, prompt));
    }
    List<Generation> gens = policy.generate(batch, config);
    // Read as every stage reads a sample: with EOS if and only if it ended.
    double[] scores = rewardModel.score(batch, Examples.forScoring(policy.tokenizer(), gens));
    List<Choice> out = new ArrayList<>(prompts.size());
    for (int p = 0; p < prompts.size(); p++) {
      int best = p * n;
      double[] candidates = new double[n];
      for (int k = 0; k < n; k++) {
        candidates[k] = scores[p * n + k];
        if (scores[p * n + k] > scores[best]) {
          best = p * n + k;
        }
      }
      out.add(new Choice(gens.get(best), scores[best], candidates));
    }
    return out;
  }

  /**
   * Rejection-sampled demonstrations: each prompt's best response as text, for SFT, marked
   * truncated when it hit the length cap (SFT then does not teach the model to stop there).
   *
   * @param promptTexts the prompts as text (encoded with BOS)
   */
  public List<Demonstration> demonstrations(
      List<String> promptTexts, Tokenizer tokenizer, SamplingConfig config) {
    List<int[]> prompts = promptTexts.stream().map(t -> tokenizer.encode(t, true)).toList();
    List<Choice> choices = choose(prompts, config);
    List<Demonstration> out = new ArrayList<>(choices.size());
    for (int i = 0; i < choices.size(); i++) {
      Generation best = choices.get(i).best();
      String text = tokenizer.decode(best.response());
      if (!text.isEmpty()) {
        out.add(new Demonstration(promptTexts.get(i), text, !best.endedWithEos()));
      }
    }
    return out;
  }
}
