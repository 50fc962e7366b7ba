package io.rlhf4j.examples;

import ai.djl.engine.Engine;
import io.rlhf4j.examples.demo.Comparison;
import io.rlhf4j.examples.demo.DemoSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code compare}: PPO, GRPO, RLOO, REINFORCE++, GSPO, DAPO, CISPO, DPO, SimPO and ORPO head to
 * head from the demo's SFT model, against its hidden rater, with the same budget of sampled
 * responses, over several seeds.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description =
        "PPO, GRPO, RLOO, REINFORCE++, GSPO, DAPO, CISPO, DPO, SimPO and ORPO head to head on the demo's rater.")
final class CompareCommand implements Callable<Integer> {
  @Option(names = "--model", description = "base model folder (default: ${DEFAULT-VALUE})")
  Path model = Path.of(GenerateCommand.DEFAULT_MODEL);

  @Option(
      names = "--output",
      description =
          "folder; the demo's first round goes to OUTPUT/demo (default: ${DEFAULT-VALUE})")
  Path output = Path.of("rlhf-compare");

  @Option(
      names = "--algorithms",
      split = ",",
      description =
          "comma-separated subset of ppo,grpo,rloo,reinforce++,gspo,dapo,cispo,dpo,simpo,orpo"
              + " (default: all)")
  List<String> algorithms = Comparison.ALGORITHMS;

  @Option(names = "--seeds", description = "seeds per algorithm (default: ${DEFAULT-VALUE})")
  int seeds = 3;

  @Option(names = "--iterations", description = "RL iterations per run (default: ${DEFAULT-VALUE})")
  int iterations = 20;

  @Option(
      names = "--batch",
      description =
          "responses sampled per RL iteration, a multiple of 8 (default: ${DEFAULT-VALUE})")
  int batch = 64;

  @Override
  public Integer call() throws Exception {
    DemoSettings demo = DemoSettings.builder().model(model).build();
    List<String> chosen = algorithms.stream().map(String::trim).toList();
    Comparison.Settings settings =
        new Comparison.Settings(output, chosen, seeds, iterations, batch);
    new Comparison(demo, settings, System.err, Engine.getInstance().defaultDevice()).run();
    return 0;
  }
}
