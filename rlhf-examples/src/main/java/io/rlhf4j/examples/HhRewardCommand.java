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
import io.rlhf4j.train.ProgressBar;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code hh-reward}: a reward model on Anthropic's HH-RLHF human preferences. Trains on
 * helpful-base (minus a held-out tenth), then reports pairwise accuracy on the held-out pairs and
 * on the other three test splits, next to the "prefer the longer reply" baseline of the same pairs:
 * a reward model that does not beat it has learned little more than length.
 */
final class HhRewardCommand implements Main.Command {
  static final String[] SPLITS = {
    "helpful-base", "helpful-online", "helpful-rejection-sampled", "harmless-base"
  };

  private static final Map<String, String> FLAGS = new LinkedHashMap<>();

  static {
    FLAGS.put("model", "base model folder (default " + GenerateCommand.DEFAULT_MODEL + ")");
    FLAGS.put("data", "folder of the four HH-RLHF test splits (default ../shared/data/hh-rlhf)");
    FLAGS.put("train-pairs", "helpful-base pairs to train on, 0 = all but the held-out tenth");
    FLAGS.put("eval-pairs", "pairs evaluated per split, 0 = all (default 0)");
    FLAGS.put("epochs", "training epochs (default 1)");
    FLAGS.put("max-length", "tokens per prompt + reply, prompt cut from its start (default 128)");
    FLAGS.put("lr", "learning rate (default 3e-4)");
    FLAGS.put("seed", "split and shuffle seed (default 0)");
  }

  @Override
  public String summary() {
    return "train a reward model on HH-RLHF and compare it with the longer-reply baseline";
  }

  @Override
  public int run(String[] args) {
    Flags flags = new Flags(FLAGS, args);
    if (flags.wantsHelp()) {
      System.err.print(flags.usage("hh-reward"));
      return 0;
    }
    Path data = Path.of(flags.string("data", "../shared/data/hh-rlhf"));
    long seed = flags.longValue("seed", 0);
    int evalPairs = flags.integer("eval-pairs", 0);
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
    int trainPairs = flags.integer("train-pairs", 0);
    if (trainPairs > 0) {
      train = train.subList(0, Math.min(trainPairs, train.size()));
    }
    splits.put("helpful-base", base.subList(0, heldOut));
    RewardConfig config =
        RewardConfig.builder()
            .epochs(flags.integer("epochs", 1))
            .promptsPerBatch(8)
            .maxLength(flags.integer("max-length", 128))
            .optimizer(AdamWConfig.of(flags.number("lr", 3e-4)))
            .seed(seed)
            .build();
    Device device = Engine.getInstance().defaultDevice();
    try (PretrainedModel pm =
            PretrainedModel.load(
                Path.of(flags.string("model", GenerateCommand.DEFAULT_MODEL)), device);
        CausalLm net = pm.model().withScalarHead(seed, device)) {
      DjlRewardModel reward = new DjlRewardModel(net, 32);
      RewardTrainer trainer =
          new RewardTrainer(
              reward,
              pm.tokenizer(),
              config,
              new TrainingRun(List.of(new ProgressBar(System.err, "loss"))));
      trainer.train(rankings(train), List.of(), null);
      System.out.printf(
          "reward model on %s (%,d parameters), trained on %,d helpful-base pairs%n",
          flags.string("model", GenerateCommand.DEFAULT_MODEL), net.parameterCount(), train.size());
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
