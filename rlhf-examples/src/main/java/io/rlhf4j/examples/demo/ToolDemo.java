package io.rlhf4j.examples.demo;

import ai.djl.Device;
import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.ppo.DjlPpoTrainer;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.rollout.EpisodeSampler;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.djl.train.sft.SftConfig;
import io.rlhf4j.djl.train.sft.SftTrainer;
import io.rlhf4j.episode.EpisodeSettings;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.TextRewardModel;
import io.rlhf4j.model.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * WebGPT's recipe in miniature on stories260K ({@link SecretWordTask}): behaviour cloning on a few
 * demonstrated tool episodes, then GRPO on whole episodes (call the tool, read its answer, write
 * the story) rewarded only for naming the secret. Success is measured on held-out prompts, for the
 * base model, after SFT and after GRPO.
 *
 * @param sftEpochs epochs over the demonstrations (kept short, so SFT leaves room to learn)
 * @param iterations GRPO iterations of 8 prompts × 4 episodes
 * @param learningRate GRPO's learning rate
 */
public record ToolDemo(int sftEpochs, int iterations, double learningRate) {
  /** Held-out prompts: the last 32 of {@link SecretWordTask#prompts()}. */
  private static final int TRAIN = 64;

  private static final long EVAL_SEED = 424_242;

  /** The defaults measured in README. */
  public static ToolDemo defaults() {
    return new ToolDemo(6, 30, 2e-4);
  }

  /**
   * Success on held-out prompts and the environments' counts, per evaluated model.
   *
   * @param success the share of held-out episodes that called the tool and named the secret
   * @param metrics the environments' counts per episode (tool calls, bad calls, turns)
   */
  public record Evaluation(double success, Map<String, Double> metrics) {}

  /**
   * One seed's run.
   *
   * @param base the pretrained model, before anything
   * @param sft after behaviour cloning
   * @param grpo after GRPO
   */
  public record Result(Evaluation base, Evaluation sft, Evaluation grpo) {}

  /** Episodes of up to 3 policy turns and 160 tokens, each turn up to 64 tokens. */
  public static EpisodeSettings episodes() {
    return new EpisodeSettings(SecretWordTask.environments(), 3, 160);
  }

  private static SamplingConfig sampling() {
    return SamplingConfig.builder().temperature(1.0).maxNewTokens(64).build();
  }

  /** Runs the demo from {@code model} with {@code seed} for GRPO's sampling and minibatches. */
  public Result run(Path model, long seed) {
    List<String> prompts = SecretWordTask.prompts();
    try (PretrainedModel pm = PretrainedModel.load(model, Device.cpu())) {
      SavableTokenizer tok = pm.tokenizer();
      DjlPolicy policy = new DjlPolicy(pm.model(), tok);
      List<String> heldOut = prompts.subList(TRAIN, prompts.size());
      Evaluation base = evaluate(policy, heldOut);
      List<EpisodeDemonstration> demos = new ArrayList<>();
      for (String p : prompts.subList(0, TRAIN)) {
        demos.add(SecretWordTask.demonstration(p));
      }
      new SftTrainer(
              pm.model(),
              tok,
              SftConfig.builder()
                  .epochs(sftEpochs)
                  .batchSize(8)
                  .maxLength(128)
                  .optimizer(AdamWConfig.of(3e-3))
                  .seed(1)
                  .build(),
              new TrainingRun(List.of()))
          .trainEpisodes(demos, List.of(), null);
      Evaluation sft = evaluate(policy, heldOut);
      PpoConfig config =
          DemoGrpo.config(learningRate, sampling(), seed).environment(episodes()).build();
      TextRewardModel reward = new TextRewardModel(tok, SecretWordTask::success);
      try (DjlPpoTrainer grpo =
          new DjlPpoTrainer(
              RlModels.builder(pm.model(), reward, tok).build(),
              config,
              List.of(),
              new TrainingRun(List.of()))) {
        List<int[]> train = new ArrayList<>();
        for (String p : prompts.subList(0, TRAIN)) {
          train.add(tok.encode(p, true));
        }
        DemoGrpo.train(grpo, config, train, iterations);
      }
      return new Result(base, sft, evaluate(policy, heldOut));
    }
  }

  /** Four episodes per prompt, sampled from a fixed evaluation stream. */
  public static Evaluation evaluate(DjlPolicy policy, List<String> prompts) {
    Tokenizer tok = policy.tokenizer();
    List<int[]> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (String p : prompts) {
      for (int k = 0; k < 4; k++) {
        ids.add(tok.encode(p, true));
        texts.add(p);
      }
    }
    List<EpisodeSampler.Episode> episodes =
        new EpisodeSampler(policy, episodes())
            .sample(ids, sampling().toBuilder().seed(EVAL_SEED).build(), 0);
    double success = 0;
    Map<String, Double> metrics = new TreeMap<>();
    for (int i = 0; i < episodes.size(); i++) {
      EpisodeSampler.Episode e = episodes.get(i);
      success += SecretWordTask.success(texts.get(i), tok.decode(e.generation().response()));
      e.metrics().forEach((k, v) -> metrics.merge(k, v / episodes.size(), Double::sum));
    }
    return new Evaluation(success / episodes.size(), metrics);
  }
}
