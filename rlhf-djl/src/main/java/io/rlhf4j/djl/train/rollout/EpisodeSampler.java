package io.rlhf4j.djl.train.rollout;

import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.episode.Environment;
import io.rlhf4j.episode.EnvironmentStep;
import io.rlhf4j.episode.EpisodeSettings;
import io.rlhf4j.internal.train.Seeds;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.Tokenizer;
import io.rlhf4j.train.Examples;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples multi-turn episodes for a batch of prompts: the policy writes a turn (until its stop
 * token or the turn's token limit), the episode's {@link Environment} answers, and the answer's
 * tokens are appended to the context; the next turn is sampled from the whole context. The policy's
 * tokens are kept as sampled (never re-tokenised), so the ids trained on are the ids sampled.
 *
 * <p>Turn 0 samples with the rollout's own seed, so a one-turn episode is exactly today's rollout
 * sample; turn k samples from the streams derived from (seed, k). Rows still running in a turn are
 * sampled together in batch order.
 */
public final class EpisodeSampler {
  private final DjlPolicy policy;
  private final Tokenizer tokenizer;
  private final EpisodeSettings settings;

  /**
   * @param policy samples the policy's turns
   * @param settings the environments and the turn and token limits
   */
  public EpisodeSampler(DjlPolicy policy, EpisodeSettings settings) {
    this.policy = policy;
    this.tokenizer = policy.tokenizer();
    this.settings = settings;
  }

  /**
   * One sampled episode.
   *
   * @param generation prompt, response (policy and environment tokens after the prompt), the
   *     sampler's log-probabilities (0 on environment tokens) and whether the episode ended as the
   *     environment ended it, after a policy turn that emitted its stop token
   * @param policyMask 1 on the policy's tokens, 0 on the environment's
   * @param turnRewards the environment's per-turn rewards, per response token: each at the last
   *     token of the policy turn it answered, 0 elsewhere
   * @param metrics the environment's counts, and the episode's turns
   */
  public record Episode(
      Generation generation,
      double[] policyMask,
      double[] turnRewards,
      Map<String, Double> metrics) {
    /** Σ of the per-turn rewards. */
    public double totalTurnReward() {
      double sum = 0;
      for (double r : turnRewards) {
        sum += r;
      }
      return sum;
    }
  }

  /**
   * An episode's response cut into turns where {@code mask} changes (1 on the policy's tokens, 0 on
   * the environment's; read up to the response's length), each decoded; a policy turn loses its
   * final stop token, which ends the turn rather than being part of its text.
   */
  public static List<EpisodeDemonstration.Turn> turns(
      Tokenizer tokenizer, int[] response, double[] mask) {
    List<EpisodeDemonstration.Turn> turns = new ArrayList<>();
    int from = 0;
    for (int t = 1; t <= response.length; t++) {
      if (t == response.length || (mask[t] != 0) != (mask[from] != 0)) {
        int[] part = Arrays.copyOfRange(response, from, t);
        boolean own = mask[from] != 0;
        if (own && part.length > 0 && isStop(tokenizer, part[part.length - 1])) {
          part = Arrays.copyOf(part, part.length - 1);
        }
        turns.add(new EpisodeDemonstration.Turn(tokenizer.decode(part), own));
        from = t;
      }
    }
    return turns;
  }

  private static boolean isStop(Tokenizer tokenizer, int id) {
    for (int s : tokenizer.stopIds()) {
      if (s == id) {
        return true;
      }
    }
    return false;
  }

  /**
   * Episodes for {@code prompts}, rows {@code firstRow ..} of a batch (the row's sampling stream
   * derives from its index, as in {@link io.rlhf4j.djl.generate.Generator}).
   */
  public List<Episode> sample(List<int[]> prompts, SamplingConfig sampling, long firstRow) {
    int b = prompts.size();
    List<Environment> envs = new ArrayList<>(b);
    List<Row> rows = new ArrayList<>(b);
    try {
      for (int[] prompt : prompts) {
        envs.add(settings.environments().start(tokenizer.decode(prompt)));
        rows.add(new Row(prompt));
      }
      for (int turn = 0; turn < settings.maxTurns(); turn++) {
        List<Integer> running = new ArrayList<>();
        for (int i = 0; i < b; i++) {
          if (!rows.get(i).finished) {
            running.add(i);
          }
        }
        if (running.isEmpty()) {
          break;
        }
        SamplingConfig turnSampling =
            turn == 0
                ? sampling
                : sampling.toBuilder().seed(Seeds.derive(sampling.seed(), turn)).build();
        List<int[]> contexts = running.stream().map(i -> rows.get(i).context()).toList();
        List<Generation> made = policy.generate(contexts, turnSampling, firstRow);
        for (int j = 0; j < running.size(); j++) {
          int i = running.get(j);
          rows.get(i).turn(made.get(j), envs.get(i), turn == settings.maxTurns() - 1);
        }
      }
      List<Episode> out = new ArrayList<>(b);
      for (int i = 0; i < b; i++) {
        out.add(rows.get(i).episode(envs.get(i).metrics()));
      }
      return out;
    } finally {
      for (Environment e : envs) {
        e.close();
      }
    }
  }

  // One episode in the making.
  private final class Row {
    final int[] prompt;
    final List<Integer> ids = new ArrayList<>();
    final List<Float> logp = new ArrayList<>();
    final List<Double> mask = new ArrayList<>();
    final Map<Integer, Double> turnRewards = new LinkedHashMap<>(); // at a turn's last token
    int turns;
    boolean finished;
    boolean ended;

    Row(int[] prompt) {
      this.prompt = prompt;
    }

    int[] context() {
      int[] c = Arrays.copyOf(prompt, prompt.length + ids.size());
      for (int k = 0; k < ids.size(); k++) {
        c[prompt.length + k] = ids.get(k);
      }
      return c;
    }

    void turn(Generation g, Environment env, boolean lastTurn) {
      turns++;
      int room = settings.maxTokens() - ids.size();
      int n = Math.min(room, g.response().length);
      for (int k = 0; k < n; k++) {
        ids.add(g.response()[k]);
        logp.add(g.logProbs()[k]);
        mask.add(1.0);
      }
      if (n < g.response().length || !g.endedWithEos() && ids.size() >= settings.maxTokens()) {
        finished = true; // the token budget cut the turn
        return;
      }
      int[] own = Arrays.copyOf(g.response(), g.endedWithEos() ? n - 1 : n);
      EnvironmentStep step = env.step(tokenizer.decode(own));
      if (step.reward() != 0) {
        turnRewards.merge(ids.size() - 1, step.reward(), Double::sum);
      }
      if (step.done()) {
        finished = true;
        ended = g.endedWithEos();
        return;
      }
      int[] observation = Examples.segment(tokenizer, step.observation());
      if (lastTurn || ids.size() + observation.length >= settings.maxTokens()) {
        finished = true; // no room for another policy turn: cut here, after the policy's tokens
        return;
      }
      for (int id : observation) {
        ids.add(id);
        logp.add(0f);
        mask.add(0.0);
      }
    }

    Episode episode(Map<String, Double> envMetrics) {
      int[] response = ids.stream().mapToInt(Integer::intValue).toArray();
      float[] lp = new float[logp.size()];
      double[] m = new double[mask.size()];
      for (int k = 0; k < lp.length; k++) {
        lp[k] = logp.get(k);
        m[k] = mask.get(k);
      }
      double[] rewards = new double[response.length];
      turnRewards.forEach((t, v) -> rewards[t] = v);
      Map<String, Double> metrics = new LinkedHashMap<>(envMetrics);
      metrics.put("episode_turns", (double) turns);
      metrics.put("turn_reward", turnRewards.values().stream().mapToDouble(d -> d).sum());
      return new Episode(new Generation(prompt, response, lp, ended), m, rewards, metrics);
    }
  }
}
