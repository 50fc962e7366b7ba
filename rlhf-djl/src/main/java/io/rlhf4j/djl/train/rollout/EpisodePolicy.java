package io.rlhf4j.djl.train.rollout;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.episode.EpisodeSettings;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.Policy;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.Tokenizer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A policy whose samples are whole episodes ({@link EpisodeSampler}): each generation's response is
 * every token after the prompt, the policy's turns and the environment's. Anything built on {@link
 * Policy} then works on episodes, best-of-N first of all: {@code new BestOfN(new
 * EpisodePolicy(policy, settings), reward, n)} keeps each prompt's best episode, and {@link
 * #demonstration} turns it into an {@link EpisodeDemonstration} for rejection-sampling SFT
 * (WebGPT's recipe). It remembers the turns of the generations of its last {@link #generate} call.
 */
public final class EpisodePolicy implements Policy {
  private final DjlPolicy policy;
  private final EpisodeSampler sampler;
  private final Map<Generation, double[]> masks = new IdentityHashMap<>();

  /**
   * @param policy samples the policy's turns
   * @param settings the environments and the turn and token limits
   */
  public EpisodePolicy(DjlPolicy policy, EpisodeSettings settings) {
    this.policy = checkNotNull(policy, "policy");
    this.sampler = new EpisodeSampler(policy, settings);
  }

  @Override
  public Tokenizer tokenizer() {
    return policy.tokenizer();
  }

  @Override
  public synchronized List<Generation> generate(List<int[]> prompts, SamplingConfig config) {
    List<EpisodeSampler.Episode> episodes = sampler.sample(prompts, config, 0);
    masks.clear();
    List<Generation> out = new ArrayList<>(episodes.size());
    for (EpisodeSampler.Episode e : episodes) {
      masks.put(e.generation(), e.policyMask());
      out.add(e.generation());
    }
    return out;
  }

  /**
   * Log-probabilities of the whole response under the policy, the environment's tokens included (as
   * context a reader may want to compare; RL masks them out itself).
   */
  @Override
  public float[][] logProbs(List<int[]> prompts, List<int[]> responses, double temperature) {
    return policy.logProbs(prompts, responses, temperature);
  }

  /**
   * The turns of {@code episode} (one of the last {@link #generate} call's), decoded: the policy's
   * runs of tokens, each without its end-of-turn token, and the environment's.
   */
  public synchronized List<EpisodeDemonstration.Turn> turns(Generation episode) {
    double[] mask = masks.get(episode);
    checkArgument(mask != null, "not an episode of the last generate call");
    return EpisodeSampler.turns(tokenizer(), episode.response(), mask);
  }

  /** {@code episode} as a demonstration of the episode for {@code prompt}. */
  public EpisodeDemonstration demonstration(String prompt, Generation episode) {
    return new EpisodeDemonstration(prompt, turns(episode));
  }
}
