package io.rlhf4j.examples.demo;

import ai.djl.Device;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.ppo.RlEvaluation;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.TextRewardModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reinforcement learning from a verifiable reward on stories260K, the way most people use RL in
 * 2026: GRPO from the pretrained model, no SFT, no reward model, only a checker. The prompt names a
 * thing ("Lily wanted a kite."); a response passes when its first 32 tokens name that thing again.
 * Held-out pass@1 and pass@8 are measured before and after, on the same evaluation stream.
 *
 * @param iterations GRPO iterations of 8 prompts × 4 samples
 * @param learningRate GRPO's learning rate
 */
public record RlvrDemo(int iterations, double learningRate) {
  private static final String[] NAMES = {"Lily", "Tom", "Ben", "Sue", "Mia", "Max", "Sam", "Anna"};
  private static final String[] THINGS = {
    "ball", "cat", "dog", "tree", "bird", "box", "cake", "car", "fish", "hat", "kite", "book",
    "toy", "boat", "flower", "doll"
  };

  /** The defaults measured in README. */
  public static RlvrDemo defaults() {
    return new RlvrDemo(30, 2e-4);
  }

  /** Every prompt, thing by thing: 16 things × 8 names. */
  public static List<String> prompts() {
    List<String> out = new ArrayList<>();
    for (String thing : THINGS) {
      for (String name : NAMES) {
        out.add(name + " wanted a " + thing + ".");
      }
    }
    return out;
  }

  /** Held out from training: every fourth prompt, so every thing is among them. */
  public static List<String> heldOut() {
    List<String> all = prompts();
    List<String> out = new ArrayList<>();
    for (int i = 3; i < all.size(); i += 4) {
      out.add(all.get(i));
    }
    return out;
  }

  /** The rest. */
  public static List<String> training() {
    List<String> out = new ArrayList<>(prompts());
    out.removeAll(heldOut());
    return out;
  }

  /** The verifier: 1 when the response names the prompt's thing as a word, else 0. */
  public static double usesTheWord(String prompt, String response) {
    String thing = prompt.substring(prompt.lastIndexOf(' ') + 1, prompt.length() - 1);
    Pattern word = Pattern.compile("\\b" + thing + "s?\\b", Pattern.CASE_INSENSITIVE);
    return word.matcher(response).find() ? 1 : 0;
  }

  /**
   * One seed's run: the held-out metrics ({@code eval_pass@1}, {@code eval_pass@8}, {@code
   * eval_score}, {@code eval_length}) before and after GRPO.
   */
  public record Result(Map<String, Double> before, Map<String, Double> after) {
    /** pass@1 before. */
    public double passAt1Before() {
      return before.get("eval_pass@1");
    }

    /** pass@1 after. */
    public double passAt1After() {
      return after.get("eval_pass@1");
    }

    /** This result as a README table row. */
    public String row(long seed) {
      return String.format(
          Locale.ROOT,
          "| %d | %.3f | %.3f | %.3f | %.3f |",
          seed,
          before.get("eval_pass@1"),
          after.get("eval_pass@1"),
          before.get("eval_pass@8"),
          after.get("eval_pass@8"));
    }
  }

  /** Runs GRPO from {@code model} with {@code seed} for sampling and minibatches. */
  public Result run(Path model, long seed) {
    try (PretrainedModel pm = PretrainedModel.load(model, Device.cpu())) {
      SavableTokenizer tok = pm.tokenizer();
      PpoConfig config =
          DemoGrpo.config(
                  learningRate,
                  SamplingConfig.builder().temperature(1.0).maxNewTokens(32).build(),
                  seed)
              .build();
      RlEvaluation evaluation =
          new RlEvaluation(
              heldOut().stream().map(p -> tok.encode(p, true)).toList(), iterations, 8, 1.0);
      try (DjlPpoTrainer grpo =
          new DjlPpoTrainer(
              RlModels.builder(pm.model(), new TextRewardModel(tok, RlvrDemo::usesTheWord), tok)
                  .build(),
              config,
              List.of(),
              new TrainingRun(List.of()))) {
        Map<String, Double> before = grpo.evaluate(evaluation);
        List<int[]> train = training().stream().map(p -> tok.encode(p, true)).toList();
        DemoGrpo.train(grpo, config, train, iterations);
        return new Result(before, grpo.evaluate(evaluation));
      }
    }
  }
}
