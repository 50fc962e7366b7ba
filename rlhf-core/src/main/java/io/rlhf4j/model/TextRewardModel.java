package io.rlhf4j.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;
import java.util.function.ToDoubleBiFunction;

/**
 * A reward given by a program over text rather than a network: a rule, a simulated rater, a unit
 * test of generated code. Decodes each (prompt, response) with the policy's tokenizer and asks the
 * function. Use it as PPO's reward, or to rank best-of-N samples against a rater.
 */
public final class TextRewardModel implements RewardModel {
  private final Tokenizer tokenizer;
  private final ToDoubleBiFunction<String, String> score;

  /**
   * @param tokenizer decodes prompts and responses
   * @param score (prompt text, response text) to a score, higher is better
   */
  public TextRewardModel(Tokenizer tokenizer, ToDoubleBiFunction<String, String> score) {
    this.tokenizer = checkNotNull(tokenizer, "tokenizer");
    this.score = checkNotNull(score, "score");
  }

  @Override
  public double[] score(List<int[]> prompts, List<int[]> responses) {
    checkArgument(
        prompts.size() == responses.size(),
        "%s prompts but %s responses",
        prompts.size(),
        responses.size());
    double[] out = new double[prompts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] =
          score.applyAsDouble(tokenizer.decode(prompts.get(i)), tokenizer.decode(responses.get(i)));
    }
    return out;
  }
}
