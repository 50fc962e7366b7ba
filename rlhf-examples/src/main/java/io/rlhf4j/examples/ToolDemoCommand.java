package io.rlhf4j.examples;

import io.rlhf4j.examples.demo.ToolDemo;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tool-demo}: behaviour cloning then GRPO on multi-turn tool episodes ({@link ToolDemo}),
 * printing the held-out success of the base model, the cloned one and each seed's GRPO policy.
 */
@Command(
    name = "tool-demo",
    mixinStandardHelpOptions = true,
    description =
        "Episodes with a Java tool on stories260K: SFT on demonstrated episodes, then GRPO;"
            + " success before and after.")
final class ToolDemoCommand implements Callable<Integer> {
  private static final ToolDemo D = ToolDemo.defaults();

  @Mixin GrpoDemoOptions grpo = new GrpoDemoOptions(D.iterations(), D.learningRate());

  @Option(names = "--sft-epochs", description = "epochs of cloning (default: ${DEFAULT-VALUE})")
  int sftEpochs = D.sftEpochs();

  @Override
  public Integer call() {
    ToolDemo demo = new ToolDemo(sftEpochs, grpo.iterations, grpo.lr);
    System.out.println(
        "| seed | success: base | after SFT | after GRPO | calls per episode: SFT, GRPO"
            + " | unparsable calls: SFT, GRPO | unknown tool: SFT, GRPO |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
    for (int seed = 0; seed < grpo.seeds; seed++) {
      ToolDemo.Result r = demo.run(grpo.model, seed);
      var s = r.sft().metrics();
      var g = r.grpo().metrics();
      System.out.println(
          String.format(
              Locale.ROOT,
              "| %d | %.3f | %.3f | %.3f | %.2f, %.2f | %.2f, %.2f | %.2f, %.2f |",
              seed,
              r.base().success(),
              r.sft().success(),
              r.grpo().success(),
              s.getOrDefault("tool_calls", 0.0),
              g.getOrDefault("tool_calls", 0.0),
              s.getOrDefault("tool_unparsable", 0.0),
              g.getOrDefault("tool_unparsable", 0.0),
              s.getOrDefault("tool_unknown", 0.0),
              g.getOrDefault("tool_unknown", 0.0)));
    }
    return 0;
  }
}
