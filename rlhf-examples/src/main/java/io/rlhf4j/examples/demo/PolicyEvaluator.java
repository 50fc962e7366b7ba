package io.rlhf4j.examples.demo;

import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.Policy;
import io.rlhf4j.model.RewardModel;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.Tokenizer;
import io.rlhf4j.train.Examples;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.ToDoubleBiFunction;

/**
 * Measures policies on the same held-out prompts with the same sampling seed (common random
 * numbers, so differences between policies are not sampling luck), against the rater's hidden
 * score, a learned reward model and the SFT model.
 */
final class PolicyEvaluator {
  private final List<String> prompts;
  private final int samplesPerPrompt;
  private final SamplingConfig sampling;
  private final Tokenizer tokenizer;
  private final CausalLm sft;
  private final RewardModel reward;
  private final ToDoubleBiFunction<String, String> rater;

  PolicyEvaluator(
      List<String> prompts,
      int samplesPerPrompt,
      SamplingConfig sampling,
      Tokenizer tokenizer,
      CausalLm sft,
      RewardModel reward,
      ToDoubleBiFunction<String, String> rater) {
    this.prompts = List.copyOf(prompts);
    this.samplesPerPrompt = samplesPerPrompt;
    this.sampling = sampling;
    this.tokenizer = tokenizer;
    this.sft = sft;
    this.reward = reward;
    this.rater = rater;
  }

  PolicyScores evaluate(String name, CausalLm model) {
    return evaluate(name, new DjlPolicy(model, tokenizer));
  }

  PolicyScores evaluate(String name, Policy policy) {
    List<String> texts = new ArrayList<>();
    List<int[]> batch = new ArrayList<>();
    for (String prompt : prompts) {
      texts.addAll(Collections.nCopies(samplesPerPrompt, prompt));
      batch.addAll(Collections.nCopies(samplesPerPrompt, tokenizer.encode(prompt, true)));
    }
    List<Generation> generations = policy.generate(batch, sampling);
    List<int[]> responses = generations.stream().map(Generation::response).toList();
    int n = responses.size();
    double[] hidden = new double[n];
    double[] repetition = new double[n];
    List<String> firstSamples = new ArrayList<>();
    List<Double> firstScores = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String text = tokenizer.decode(responses.get(i));
      hidden[i] = rater.applyAsDouble(texts.get(i), text);
      repetition[i] = StoryRater.repetition(StoryRater.words(text));
      if (i % samplesPerPrompt == 0) {
        firstSamples.add(text);
        firstScores.add(hidden[i]);
      }
    }
    // Read by the reward model exactly as PPO reads a sample.
    double[] rewards = reward.score(batch, Examples.forScoring(tokenizer, generations));
    double finished =
        generations.stream().filter(Generation::endedWithEos).count() / (double) generations.size();
    float[][] logp = policy.logProbs(batch, responses, sampling.temperature());
    float[][] refLogp =
        new DjlPolicy(sft, tokenizer).logProbs(batch, responses, sampling.temperature());
    double[] kl = new double[n];
    double[] length = new double[n];
    for (int i = 0; i < n; i++) {
      for (int t = 0; t < responses.get(i).length; t++) {
        kl[i] += logp[i][t] - refLogp[i][t];
      }
      length[i] = responses.get(i).length;
    }
    double mean = mean(hidden);
    double var = 0;
    for (double h : hidden) {
      var += (h - mean) * (h - mean);
    }
    double stdErr = n > 1 ? Math.sqrt(var / (n - 1) / n) : 0;
    return new PolicyScores(
        name,
        mean,
        stdErr,
        mean(rewards),
        mean(kl),
        mean(length),
        finished,
        mean(repetition),
        firstSamples,
        firstScores);
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return v.length == 0 ? Double.NaN : s / v.length;
  }
}
