package io.rlhf4j.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A demonstration of a whole episode (WebGPT's behaviour cloning): the prompt, then turns of the
 * policy and of the environment in order. SFT trains on the policy's turns only, each followed by
 * the end-of-turn token; the environment's turns are context.
 *
 * @param prompt the episode's prompt
 * @param turns the turns after it, starting and ending with the policy's
 */
public record EpisodeDemonstration(String prompt, List<Turn> turns) {
  /**
   * One turn.
   *
   * @param text what was written
   * @param policy whether the policy wrote it (trained) or the environment (context)
   */
  public record Turn(String text, boolean policy) {
    /** Validates. */
    public Turn {
      checkNotNull(text, "text");
    }

    /**
     * The turns as the JSON every file and page of episodes uses: {@code [{"text", "policy"},
     * ...]}, in order.
     */
    public static List<Map<String, Object>> toJson(List<Turn> turns) {
      List<Map<String, Object>> out = new ArrayList<>(turns.size());
      for (Turn t : turns) {
        Map<String, Object> turn = new LinkedHashMap<>();
        turn.put("text", t.text());
        turn.put("policy", t.policy());
        out.add(turn);
      }
      return out;
    }
  }

  /** Validates. */
  public EpisodeDemonstration {
    checkNotNull(prompt, "prompt");
    turns = List.copyOf(turns);
    checkArgument(!turns.isEmpty(), "an episode needs at least one turn");
    checkArgument(turns.get(0).policy(), "an episode starts with the policy's turn");
    checkArgument(turns.get(turns.size() - 1).policy(), "an episode ends with the policy's turn");
    for (int i = 1; i < turns.size(); i++) {
      checkArgument(
          turns.get(i).policy() != turns.get(i - 1).policy(),
          "turn %s: the policy and the environment take turns",
          i);
    }
  }

  /** Starts an episode for {@code prompt}. */
  public static Builder builder(String prompt) {
    return new Builder(prompt);
  }

  /** Adds turns in order. */
  public static final class Builder {
    private final String prompt;
    private final List<Turn> turns = new ArrayList<>();

    private Builder(String prompt) {
      this.prompt = prompt;
    }

    /** The policy's turn. */
    public Builder policy(String text) {
      turns.add(new Turn(text, true));
      return this;
    }

    /** The environment's answer. */
    public Builder environment(String text) {
      turns.add(new Turn(text, false));
      return this;
    }

    /** The episode. */
    public EpisodeDemonstration build() {
      return new EpisodeDemonstration(prompt, turns);
    }
  }
}
