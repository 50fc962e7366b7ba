package io.rlhf4j.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The RLVR demo on the real stories260K: GRPO against the verifier alone raises held-out pass@1
 * beyond three seeds' spread; and the verifier against hand-worked cases.
 */
class RlvrDemoTest {
  private static final Path MODEL =
      Path.of(System.getProperty("rlhf4j.shared", "../../shared"), "models/stories260K");

  @Test
  void theVerifierAcceptsTheThingAsAWordAndNothingElse() {
    assertThat(RlvrDemo.usesTheWord("Lily wanted a cat.", " She saw a big cat.")).isEqualTo(1);
    assertThat(RlvrDemo.usesTheWord("Lily wanted a cat.", " Cats are nice.")).isEqualTo(1);
    assertThat(RlvrDemo.usesTheWord("Lily wanted a cat.", " She had a catapult.")).isZero();
    assertThat(RlvrDemo.usesTheWord("Lily wanted a cat.", " She saw a dog.")).isZero();
    assertThat(RlvrDemo.heldOut()).hasSize(32);
    assertThat(RlvrDemo.training()).hasSize(96).doesNotContainAnyElementsOf(RlvrDemo.heldOut());
  }

  @Test
  void grpoAgainstTheVerifierRaisesPassAt1BeyondThreeSeedsSpread() {
    RlvrDemo demo = RlvrDemo.defaults();
    double[] gain = new double[3];
    for (int seed = 0; seed < 3; seed++) {
      RlvrDemo.Result r = demo.run(MODEL, seed);
      gain[seed] = r.passAt1After() - r.passAt1Before();
      System.err.println("rlvr demo " + r.row(seed) + " " + r.after());
    }
    double min = Math.min(gain[0], Math.min(gain[1], gain[2]));
    double max = Math.max(gain[0], Math.max(gain[1], gain[2]));
    assertThat(min).as("gain of the worst seed").isGreaterThan(max - min);
  }
}
