package io.rlhf4j.examples;

import io.rlhf4j.examples.demo.RlvrDemo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code rlvr-demo}: GRPO from stories260K against a verifier alone ({@link RlvrDemo}), printing
 * held-out pass@1 and pass@8 before and after for each seed.
 */
@Command(
    name = "rlvr-demo",
    mixinStandardHelpOptions = true,
    description =
        "RL from a verifiable reward on stories260K: GRPO with a Java checker, no reward model;"
            + " pass@1 and pass@8 before and after.")
final class RlvrDemoCommand implements Callable<Integer> {
  private static final RlvrDemo D = RlvrDemo.defaults();

  @Mixin GrpoDemoOptions grpo = new GrpoDemoOptions(D.iterations(), D.learningRate());

  @Override
  public Integer call() {
    RlvrDemo demo = new RlvrDemo(grpo.iterations, grpo.lr);
    System.out.println("| seed | pass@1 before | pass@1 after | pass@8 before | pass@8 after |");
    System.out.println("| --- | --- | --- | --- | --- |");
    for (int seed = 0; seed < grpo.seeds; seed++) {
      System.out.println(demo.run(grpo.model, seed).row(seed));
    }
    return 0;
  }
}
