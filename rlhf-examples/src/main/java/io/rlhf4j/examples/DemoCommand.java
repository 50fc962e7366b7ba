package io.rlhf4j.examples;

import ai.djl.engine.Engine;
import io.rlhf4j.examples.demo.Demo;
import io.rlhf4j.examples.demo.DemoSettings;
import io.rlhf4j.examples.demo.PolicyScores;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code demo} (also what the jar runs with no arguments): the whole InstructGPT loop on
 * stories260K against a simulated rater, written to one folder with charts and an HTML report.
 */
final class DemoCommand implements Main.Command {
  private static final DemoSettings DEFAULTS = DemoSettings.builder().build();
  private static final Map<String, String> FLAGS = new LinkedHashMap<>();

  static {
    DemoSettings d = DEFAULTS;
    FLAGS.put("model", "base model folder (default " + d.model() + ")");
    FLAGS.put("prompts", "prompt file, one per line (default: 120 built-in story openings)");
    FLAGS.put("output", "run folder; a rerun resumes there (default " + d.output() + ")");
    FLAGS.put("seed", "seed of splits, sampling, labels, training (default " + d.seed() + ")");
    FLAGS.put("candidates", "best-of-N for demonstrations (default " + d.candidates() + ")");
    FLAGS.put("sft-epochs", "SFT epochs (default " + d.sftEpochs() + ")");
    FLAGS.put("k", "responses ranked per prompt (default " + d.k() + ")");
    FLAGS.put("label-prompts", "prompts ranked per round (default " + d.labelPrompts() + ")");
    FLAGS.put(
        "rater-temperature",
        "Bradley-Terry noise of the rater, score units (default " + d.raterTemperature() + ")");
    FLAGS.put("reward-epochs", "reward-model epochs per round (default " + d.rewardEpochs() + ")");
    FLAGS.put("rounds", "RLHF rounds (default " + d.rounds() + ")");
    FLAGS.put("ppo-iterations", "PPO iterations per round (default " + d.ppoIterations() + ")");
    FLAGS.put("batch", "PPO episodes per iteration (default " + d.rolloutBatch() + ")");
    FLAGS.put("max-new-tokens", "response length cap (default " + d.maxNewTokens() + ")");
    FLAGS.put("lr", "PPO policy learning rate, value x10 (default " + d.policyLearningRate() + ")");
    FLAGS.put(
        "beta", "initial beta of the adaptive KL controller (default " + d.initialBeta() + ")");
    FLAGS.put("kl-target", "adaptive KL target, nats (default " + d.klTarget() + ")");
    FLAGS.put("low-beta", "fixed beta of the over-optimisation run (default " + d.lowBeta() + ")");
    FLAGS.put(
        "low-kl-iterations",
        "PPO iterations of that run, 0 skips it (default " + d.lowKlIterations() + ")");
    FLAGS.put("eval-prompts", "held-out prompts (default " + d.evalPrompts() + ")");
    FLAGS.put("eval-samples", "samples per held-out prompt (default " + d.evalSamples() + ")");
  }

  @Override
  public String summary() {
    return "the main job: SFT, reward model, PPO, 2 rounds, charts and report (the default)";
  }

  @Override
  public int run(String[] args) throws Exception {
    Flags flags = new Flags(FLAGS, args);
    if (flags.wantsHelp()) {
      System.err.print(flags.usage("demo"));
      return 0;
    }
    DemoSettings d = DEFAULTS;
    String prompts = flags.string("prompts", null);
    DemoSettings settings =
        DemoSettings.builder()
            .model(Path.of(flags.string("model", d.model().toString())))
            .prompts(prompts == null ? null : Path.of(prompts))
            .output(Path.of(flags.string("output", d.output().toString())))
            .seed(flags.longValue("seed", d.seed()))
            .candidates(flags.integer("candidates", d.candidates()))
            .sftEpochs(flags.integer("sft-epochs", d.sftEpochs()))
            .k(flags.integer("k", d.k()))
            .labelPrompts(flags.integer("label-prompts", d.labelPrompts()))
            .raterTemperature(flags.number("rater-temperature", d.raterTemperature()))
            .rewardEpochs(flags.integer("reward-epochs", d.rewardEpochs()))
            .rounds(flags.integer("rounds", d.rounds()))
            .ppoIterations(flags.integer("ppo-iterations", d.ppoIterations()))
            .rolloutBatch(flags.integer("batch", d.rolloutBatch()))
            .maxNewTokens(flags.integer("max-new-tokens", d.maxNewTokens()))
            .policyLearningRate(flags.number("lr", d.policyLearningRate()))
            .initialBeta(flags.number("beta", d.initialBeta()))
            .klTarget(flags.number("kl-target", d.klTarget()))
            .lowBeta(flags.number("low-beta", d.lowBeta()))
            .lowKlIterations(flags.integer("low-kl-iterations", d.lowKlIterations()))
            .evalPrompts(flags.integer("eval-prompts", d.evalPrompts()))
            .evalSamples(flags.integer("eval-samples", d.evalSamples()))
            .build();
    Demo.Outcome outcome =
        new Demo(settings, System.err, Engine.getInstance().defaultDevice()).run();
    System.out.printf(
        "%-18s %14s %9s %9s %7s %9s%n",
        "policy", "hidden score", "reward", "KL", "len", "finished");
    for (PolicyScores s : outcome.scores()) {
      System.out.printf(
          "%-18s %7.3f ± %.3f %9.3f %9.3f %7.1f %8.0f%%%n",
          s.name(),
          s.hidden(),
          s.hiddenStdErr(),
          s.reward(),
          s.klToSft(),
          s.length(),
          100 * s.finished());
    }
    System.out.println("report: " + outcome.report().toAbsolutePath().normalize());
    return 0;
  }
}
