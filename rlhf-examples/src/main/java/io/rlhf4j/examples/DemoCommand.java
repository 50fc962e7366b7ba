package io.rlhf4j.examples;

import ai.djl.engine.Engine;
import io.rlhf4j.examples.demo.Demo;
import io.rlhf4j.examples.demo.DemoSettings;
import io.rlhf4j.examples.demo.PolicyScores;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo} (also what the jar runs with no arguments): the whole InstructGPT loop on
 * stories260K against a simulated rater, written to one folder with charts and an HTML report.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "The main job: SFT, reward model, PPO, 2 rounds, charts and report (the default command).")
final class DemoCommand implements Callable<Integer> {
  private static final DemoSettings D = DemoSettings.builder().build();

  @Option(names = "--model", description = "base model folder (default: ${DEFAULT-VALUE})")
  Path model = D.model();

  @Option(
      names = "--prompts",
      description = "prompt file, one per line (default: 120 built-in story openings)")
  Path prompts;

  @Option(
      names = "--output",
      description = "run folder; a rerun resumes there (default: ${DEFAULT-VALUE})")
  Path output = D.output();

  @Option(
      names = "--seed",
      description = "seed of splits, sampling, labels, training (default: ${DEFAULT-VALUE})")
  long seed = D.seed();

  @Option(
      names = "--candidates",
      description = "best-of-N for demonstrations (default: ${DEFAULT-VALUE})")
  int candidates = D.candidates();

  @Option(names = "--sft-epochs", description = "SFT epochs (default: ${DEFAULT-VALUE})")
  int sftEpochs = D.sftEpochs();

  @Option(names = "--k", description = "responses ranked per prompt (default: ${DEFAULT-VALUE})")
  int k = D.k();

  @Option(
      names = "--label-prompts",
      description = "prompts ranked per round (default: ${DEFAULT-VALUE})")
  int labelPrompts = D.labelPrompts();

  @Option(
      names = "--rater-temperature",
      description = "Bradley-Terry noise of the rater, score units (default: ${DEFAULT-VALUE})")
  double raterTemperature = D.raterTemperature();

  @Option(
      names = "--reward-epochs",
      description = "reward-model epochs per round (default: ${DEFAULT-VALUE})")
  int rewardEpochs = D.rewardEpochs();

  @Option(names = "--rounds", description = "RLHF rounds (default: ${DEFAULT-VALUE})")
  int rounds = D.rounds();

  @Option(
      names = "--ppo-iterations",
      description = "PPO iterations per round (default: ${DEFAULT-VALUE})")
  int ppoIterations = D.ppoIterations();

  @Option(names = "--batch", description = "PPO episodes per iteration (default: ${DEFAULT-VALUE})")
  int batch = D.rolloutBatch();

  @Option(
      names = "--max-new-tokens",
      description = "response length cap (default: ${DEFAULT-VALUE})")
  int maxNewTokens = D.maxNewTokens();

  @Option(
      names = "--lr",
      description = "PPO policy learning rate, value x10 (default: ${DEFAULT-VALUE})")
  double lr = D.policyLearningRate();

  @Option(
      names = "--beta",
      description = "initial beta of the adaptive KL controller (default: ${DEFAULT-VALUE})")
  double beta = D.initialBeta();

  @Option(
      names = "--kl-target",
      description = "adaptive KL target, nats (default: ${DEFAULT-VALUE})")
  double klTarget = D.klTarget();

  @Option(
      names = "--low-beta",
      description = "fixed beta of the over-optimisation run (default: ${DEFAULT-VALUE})")
  double lowBeta = D.lowBeta();

  @Option(
      names = "--low-kl-iterations",
      description = "PPO iterations of that run, 0 skips it (default: ${DEFAULT-VALUE})")
  int lowKlIterations = D.lowKlIterations();

  @Option(names = "--eval-prompts", description = "held-out prompts (default: ${DEFAULT-VALUE})")
  int evalPrompts = D.evalPrompts();

  @Option(
      names = "--eval-samples",
      description = "samples per held-out prompt (default: ${DEFAULT-VALUE})")
  int evalSamples = D.evalSamples();

  @Override
  public Integer call() throws Exception {
    DemoSettings settings =
        DemoSettings.builder()
            .model(model)
            .prompts(prompts)
            .output(output)
            .seed(seed)
            .candidates(candidates)
            .sftEpochs(sftEpochs)
            .k(k)
            .labelPrompts(labelPrompts)
            .raterTemperature(raterTemperature)
            .rewardEpochs(rewardEpochs)
            .rounds(rounds)
            .ppoIterations(ppoIterations)
            .rolloutBatch(batch)
            .maxNewTokens(maxNewTokens)
            .policyLearningRate(lr)
            .initialBeta(beta)
            .klTarget(klTarget)
            .lowBeta(lowBeta)
            .lowKlIterations(lowKlIterations)
            .evalPrompts(evalPrompts)
            .evalSamples(evalSamples)
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
