package io.rlhf4j.examples;

import ai.djl.engine.Engine;
import io.rlhf4j.examples.demo.Comparison;
import io.rlhf4j.examples.demo.DemoSettings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code compare}: PPO, GRPO, RLOO, REINFORCE++ and DPO head to head from the demo's SFT model,
 * against its hidden rater, with the same budget of sampled responses, over several seeds.
 */
final class CompareCommand implements Main.Command {
  private static final Map<String, String> FLAGS = new LinkedHashMap<>();

  static {
    FLAGS.put("model", "base model folder (default ../shared/models/stories260K)");
    FLAGS.put(
        "output", "folder; the demo's first round goes to OUTPUT/demo (default rlhf-compare)");
    FLAGS.put(
        "algorithms", "comma-separated subset of " + Comparison.ALGORITHMS + " (default all)");
    FLAGS.put("seeds", "seeds per algorithm (default 3)");
    FLAGS.put("iterations", "RL iterations per run (default 20)");
    FLAGS.put("batch", "responses sampled per RL iteration, a multiple of 8 (default 64)");
  }

  @Override
  public String summary() {
    return "PPO, GRPO, RLOO, REINFORCE++ and DPO head to head on the demo's rater";
  }

  @Override
  public int run(String[] args) throws Exception {
    Flags flags = new Flags(FLAGS, args);
    if (flags.wantsHelp()) {
      System.err.print(flags.usage("compare"));
      return 0;
    }
    DemoSettings demo =
        DemoSettings.builder()
            .model(Path.of(flags.string("model", "../shared/models/stories260K")))
            .build();
    String algorithms = flags.string("algorithms", String.join(",", Comparison.ALGORITHMS));
    List<String> chosen = Arrays.stream(algorithms.split(",")).map(String::trim).toList();
    Comparison.Settings settings =
        new Comparison.Settings(
            Path.of(flags.string("output", "rlhf-compare")),
            chosen,
            flags.integer("seeds", 3),
            flags.integer("iterations", 20),
            flags.integer("batch", 64));
    new Comparison(demo, settings, System.err, Engine.getInstance().defaultDevice()).run();
    return 0;
  }
}
