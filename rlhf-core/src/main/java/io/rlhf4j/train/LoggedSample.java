package io.rlhf4j.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.data.EpisodeDemonstration;
import java.util.List;

/**
 * What the policy wrote in one rollout row, as a reader wants to see it during training: the
 * prompt, the response (for an episode, its turns, the policy's and the environment's, in order)
 * and the score it got. RL trainers report a few per iteration ({@link MetricsListener#onSamples}).
 *
 * @param stage the stage that sampled it
 * @param step its step (iteration)
 * @param prompt the prompt's text
 * @param turns the response: one policy turn, or an episode's turns
 * @param score the reward it got
 */
public record LoggedSample(
    String stage, long step, String prompt, List<EpisodeDemonstration.Turn> turns, double score) {
  /** Copies. */
  public LoggedSample {
    checkNotNull(stage, "stage");
    checkNotNull(prompt, "prompt");
    turns = List.copyOf(turns);
  }

  /** The whole response's text, turns joined as the model read them. */
  public String response() {
    StringBuilder sb = new StringBuilder();
    turns.forEach(t -> sb.append(t.text()));
    return sb.toString();
  }
}
