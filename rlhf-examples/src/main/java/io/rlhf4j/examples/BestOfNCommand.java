package io.rlhf4j.examples;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.rlhf4j.data.read.PromptFile;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.generate.BestOfN;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.internal.json.JsonWriter;
import io.rlhf4j.model.SamplingConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code best-of-n}: for each prompt, N samples of a policy, scored by a reward model; the best is
 * kept. Writes JSONL ({@code prompt}, {@code response}, {@code score}, {@code candidate_scores},
 * {@code truncated}), the rejection-sampled demonstrations InstructGPT and Llama 2 trained on.
 */
@Command(
    name = "best-of-n",
    mixinStandardHelpOptions = true,
    description = "Keep the reward model's favourite of N samples per prompt (JSONL out).")
final class BestOfNCommand implements Callable<Integer> {
  @Option(
      names = {"-m", "--model"},
      required = true,
      description = "the policy: a model folder, e.g. RUN/policy")
  Path model;

  @Option(
      names = "--reward-model",
      required = true,
      description = "a reward model folder, e.g. RUN/round-1/reward")
  Path rewardModel;

  @Option(
      names = "--prompts",
      required = true,
      description = "prompts: .txt one per line, or JSONL (their --prompt-field)")
  Path prompts;

  @Option(
      names = "--prompt-field",
      description = "the prompt's field in a JSONL prompts file (default: ${DEFAULT-VALUE})")
  String promptField = "prompt";

  @Option(
      names = {"-n", "--n"},
      description = "samples per prompt (default: ${DEFAULT-VALUE})")
  int n = 4;

  @Option(
      names = "--max-new-tokens",
      description = "response length cap (default: ${DEFAULT-VALUE})")
  int maxNewTokens = 64;

  @Option(
      names = {"-t", "--temperature"},
      description = "sampling temperature (default: ${DEFAULT-VALUE})")
  double temperature = 0.7;

  @Option(names = "--seed", description = "sampling seed (default: ${DEFAULT-VALUE})")
  long seed = 0;

  @Option(
      names = {"-o", "--out"},
      required = true,
      description = "the JSONL file to write")
  Path out;

  @Override
  public Integer call() throws Exception {
    List<String> texts = PromptFile.open(prompts, ReadOptions.strict(), promptField).readAll();
    Device device = Engine.getInstance().defaultDevice();
    SamplingConfig sampling =
        SamplingConfig.builder()
            .maxNewTokens(maxNewTokens)
            .temperature(temperature)
            .seed(seed)
            .build();
    try (PretrainedModel policy = PretrainedModel.load(model, device);
        PretrainedModel reward = PretrainedModel.load(rewardModel, device)) {
      DjlPolicy sampler = new DjlPolicy(policy.model(), policy.tokenizer());
      BestOfN best = new BestOfN(sampler, new DjlRewardModel(reward.model(), 16), n);
      List<int[]> ids = texts.stream().map(t -> policy.tokenizer().encode(t, true)).toList();
      List<BestOfN.Choice> choices = best.choose(ids, sampling);
      StringBuilder jsonl = new StringBuilder();
      for (int i = 0; i < choices.size(); i++) {
        BestOfN.Choice c = choices.get(i);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("prompt", texts.get(i));
        line.put("response", policy.tokenizer().decode(c.best().response()));
        line.put("score", c.score());
        line.put("candidate_scores", java.util.Arrays.stream(c.candidateScores()).boxed().toList());
        line.put("truncated", !c.best().endedWithEos());
        jsonl.append(JsonWriter.write(line)).append('\n');
      }
      AtomicFiles.writeString(out, jsonl);
    }
    System.err.printf("best of %d for %d prompts: %s%n", n, texts.size(), out);
    return 0;
  }
}
