package io.rlhf4j.examples;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.rlhf4j.data.Comparison;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.data.read.HhRlhf;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.data.read.RecordReader;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.reward.RewardConfig;
import io.rlhf4j.djl.train.reward.RewardTrainer;
import io.rlhf4j.train.ConsoleProgress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hh-reward}: a reward model on Anthropic's HH-RLHF human preferences. Trains on
 * helpful-base (minus a held-out tenth), then reports pairwise accuracy on the held-out pairs and
 * on the other three test splits, next to the "prefer the longer reply" baseline of the same pairs:
 * a reward model that does not beat it has learned little more than length.
 */
@Command(
    name = "hh-reward",
    mixinStandardHelpOptions = true,
    description = "Train a reward model on HH-RLHF and compare it with the longer-reply baseline.")
final class HhRewardCommand implements Callable<Integer> {
  static final String[] SPLITS = {
    "helpful-base", "helpful-online", "helpful-rejection-sampled", "harmless-base"
  };

  @Option(names = "--model", description = "base model folder (default: ${DEFAULT-VALUE})")
  Path model = Path.of(GenerateCommand.DEFAULT_MODEL);

  @Option(
      names = "--data",
      description = "folder of the four HH-RLHF test splits (default: ${DEFAULT-VALUE})")
  Path data = Path.of("../shared/data/hh-rlhf");

  @Option(
      names = "--train-pairs",
      description = "helpful-base pairs to train on, 0 = all but the held-out tenth (default: 0)")
  int trainPairs = 0;

  @Option(names = "--eval-pairs", description = "pairs evaluated per split, 0 = all (default: 0)")
  int evalPairs = 0;

  @Option(names = "--epochs", description = "training epochs (default: ${DEFAULT-VALUE})")
  int epochs = 1;

  @Option(
      names = "--max-length",
      description =
          "tokens per prompt + reply, prompt cut from its start (default: ${DEFAULT-VALUE})")
  int maxLength = 128;

  @Option(names = "--lr", description = "learning rate (default: ${DEFAULT-VALUE})")
  double lr = 3e-4;

  @Option(names = "--seed", description = "split and shuffle seed (default: ${DEFAULT-VALUE})")
  long seed = 0;

  @Override
  public Integer call() {
    Map<String, List<Comparison>> splits = new LinkedHashMap<>();
    for (String split : SPLITS) {
      RecordReader<Comparison> reader =
          HhRlhf.comparisons(data.resolve(split + "-test.jsonl.gz"), ReadOptions.skipping());
      splits.put(split, reader.readAll());
      System.err.printf("%s: %s%n", split, reader.report());
    }
    List<Comparison> base = new ArrayList<>(splits.get("helpful-base"));
    Collections.shuffle(base, new Random(seed));
    int heldOut = base.size() / 10;
    List<Comparison> train = base.subList(heldOut, base.size());
    if (trainPairs > 0) {
      train = train.subList(0, Math.min(trainPairs, train.size()));
    }
    splits.put("helpful-base", base.subList(0, heldOut));
    RewardConfig config =
        RewardConfig.builder()
            .epochs(epochs)
            .promptsPerBatch(8)
            .maxLength(maxLength)
            .optimizer(AdamWConfig.of(lr))
            .seed(seed)
            .build();
    Device device = Engine.getInstance().defaultDevice();
    try (PretrainedModel pm = PretrainedModel.load(model, device);
        CausalLm net = pm.model().withScalarHead(seed, device)) {
      DjlRewardModel reward = new DjlRewardModel(net, 32);
      RewardTrainer trainer =
          new RewardTrainer(
              reward,
              pm.tokenizer(),
              config,
              new TrainingRun(List.of(ConsoleProgress.onStderr("loss"))));
      trainer.train(rankings(train), List.of(), null);
      System.out.printf(
          "reward model on %s (%,d parameters), trained on %,d helpful-base pairs%n",
          model, net.parameterCount(), train.size());
      System.out.printf("%-34s %7s %10s %16s%n", "split", "pairs", "accuracy", "longer reply");
      for (Map.Entry<String, List<Comparison>> e : splits.entrySet()) {
        List<Comparison> pairs = e.getValue();
        if (evalPairs > 0) {
          pairs = pairs.subList(0, Math.min(evalPairs, pairs.size()));
        }
        double accuracy = trainer.evaluate(rankings(pairs)).accuracy();
        String name =
            e.getKey().equals("helpful-base") ? "helpful-base (held-out tenth)" : e.getKey();
        System.out.printf(
            "%-34s %7d %9.1f%% %15.1f%%%n",
            name, pairs.size(), 100 * accuracy, 100 * longerReply(pairs));
      }
    }
    return 0;
  }

  private static List<Ranking> rankings(List<Comparison> comparisons) {
    return comparisons.stream().map(Comparison::toRanking).toList();
  }

  /**
   * Accuracy of "prefer the longer reply": the fraction of pairs whose chosen reply has more
   * characters than the rejected one, the definition of the figures shipped with the data.
   */
  static double longerReply(List<Comparison> pairs) {
    return (double) pairs.stream().filter(c -> c.chosen().length() > c.rejected().length()).count()
        / pairs.size();
  }
}
