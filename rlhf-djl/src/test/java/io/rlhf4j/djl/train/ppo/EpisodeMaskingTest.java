package io.rlhf4j.djl.train.ppo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.train.AdamWConfig;
import io.rlhf4j.djl.train.TrainingRun;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.djl.train.rollout.TwoTurns;
import io.rlhf4j.episode.Environment;
import io.rlhf4j.episode.EnvironmentFactory;
import io.rlhf4j.episode.EnvironmentStep;
import io.rlhf4j.episode.EpisodeSettings;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.train.LoggedSample;
import io.rlhf4j.train.MetricsListener;
import io.rlhf4j.train.StepMetrics;
import io.rlhf4j.train.ppo.Gae;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multi-turn episodes on the real stories260K: the environment's text sits in the context but is
 * never trained. Each episode is two policy turns with the environment's answer between them.
 */
class EpisodeMaskingTest {
  private static final SamplingConfig SAMPLING =
      SamplingConfig.builder().temperature(1.0).maxNewTokens(8).build();

  // Answers the first turn with a fixed line, ends the episode at the second.
  private static final EnvironmentFactory TWO_TURNS =
      TwoTurns.answering(" The dog said hello to the cat. ");

  private static PpoConfig.Builder grpo() {
    return PpoConfig.grpo()
        .rolloutBatchSize(2)
        .samplesPerPrompt(4)
        .miniBatchSize(8)
        .ppoEpochs(1)
        .sampling(SAMPLING)
        .policyOptimizer(AdamWConfig.of(1e-3))
        .environment(new EpisodeSettings(TWO_TURNS, 2, 40))
        .seed(11);
  }

  private static <T> T withTrainer(
      PpoConfig config, boolean critic, Function<DjlPpoTrainer, T> body) {
    return withTrainer(config, critic, new TrainingRun(List.of()), body);
  }

  private static <T> T withTrainer(
      PpoConfig config, boolean critic, TrainingRun run, Function<DjlPpoTrainer, T> body) {
    try (PretrainedModel pm = PretrainedModel.load(TestModels.stories(), Device.cpu());
        CausalLm value = critic ? pm.model().withScalarHead(5, Device.cpu()) : null;
        DjlPpoTrainer trainer =
            new DjlPpoTrainer(
                RlModels.builder(
                        pm.model(), DjlPpoTrainerTest.reward(pm.tokenizer()), pm.tokenizer())
                    .valueModel(value)
                    .build(),
                config,
                List.of(),
                run)) {
      return body.apply(trainer);
    }
  }

  private static Experience rollout(PpoConfig config) {
    return withTrainer(
        config,
        false,
        t ->
            t.rollout(
                DjlPpoTrainerTest.prompts(
                    ((io.rlhf4j.djl.generate.DjlPolicy) t.policy()).tokenizer(), 2)));
  }

  // The policy's weights after one update on `e`, from the same start.
  private static Map<String, float[]> weightsAfter(PpoConfig config, Experience e) {
    return withTrainer(
        config,
        false,
        t -> {
          t.learn(e);
          CausalLm m = ((io.rlhf4j.djl.generate.DjlPolicy) t.policy()).model();
          Map<String, float[]> out = new java.util.TreeMap<>();
          for (var p : m.parameters().entrySet()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
          }
          return out;
        });
  }

  // Rows' environment positions: mask 0 before the row's last policy token.
  private static boolean[][] environmentTokens(Experience e) {
    boolean[][] env = new boolean[e.size()][];
    for (int b = 0; b < e.size(); b++) {
      int len = e.episodes().responses().get(b).length;
      env[b] = new boolean[e.mask()[b].length];
      for (int t = 0; t < len; t++) {
        env[b][t] = e.mask()[b][t] == 0;
      }
    }
    return env;
  }

  @Test
  void environmentTokensCarryNoLogProbKlOrAdvantageAndPoisoningThemChangesNothing() {
    PpoConfig config = grpo().build();
    Experience e = rollout(config);
    boolean[][] env = environmentTokens(e);
    int envTokens = 0;
    for (int b = 0; b < e.size(); b++) {
      for (int t = 0; t < env[b].length; t++) {
        if (env[b][t]) {
          envTokens++;
          assertThat(e.logProbs().old()[b][t]).isZero();
          assertThat(e.logProbs().reference()[b][t]).isZero();
          assertThat(e.logProbs().rollout()[b][t]).isZero();
          assertThat(e.targets().advantages()[b][t]).isZero();
          assertThat(e.targets().rewards()[b][t]).isZero();
        }
      }
    }
    // Rows whose first turn reached its stop token or limit carry the environment's answer.
    assertThat(envTokens).as("environment tokens in the batch").isGreaterThan(8);

    // If environment tokens were trained, huge advantages and wild old log-probabilities there
    // would change the update; masked, the weights come out bit for bit the same.
    Experience poisoned = poison(e, env, true);
    Map<String, float[]> clean = weightsAfter(config, e);
    Map<String, float[]> dirty = weightsAfter(config, poisoned);
    assertThat(dirty.keySet()).isEqualTo(clean.keySet());
    for (String k : clean.keySet()) {
      assertThat(Arrays.equals(dirty.get(k), clean.get(k))).as(k).isTrue();
    }
    // The control: the same poison on the policy's own tokens does change the update.
    Map<String, float[]> control = weightsAfter(config, poison(e, env, false));
    assertThat(clean.keySet().stream().anyMatch(k -> !Arrays.equals(control.get(k), clean.get(k))))
        .isTrue();
  }

  @Test
  void gaeRunsOverThePolicysTokensOnlyAsIfTheEnvironmentsWereNotThere() {
    // PPO with a value model: the advantages at the policy's tokens equal GAE computed on each row
    // with the environment's tokens cut out.
    PpoConfig config =
        grpo()
            .estimator("gae")
            .samplesPerPrompt(1)
            .rolloutBatchSize(8)
            .klCoefficient(0.1)
            .klLoss(0, io.rlhf4j.train.ppo.KlEstimator.K3)
            .whitenAdvantages(false)
            .build();
    withTrainer(
        config,
        true,
        trainer -> {
          Experience e = rolloutOfEight(trainer);
          boolean[][] env = environmentTokens(e);
          for (int b = 0; b < e.size(); b++) {
            double[] mask = e.mask()[b];
            int n = (int) Arrays.stream(mask).sum();
            double[][] r = new double[1][n];
            double[][] v = new double[1][n];
            double[][] m = new double[1][n];
            int k = 0;
            for (int t = 0; t < mask.length; t++) {
              if (mask[t] != 0) {
                r[0][k] = e.targets().rewards()[b][t];
                v[0][k] = e.values()[b][t];
                m[0][k] = 1;
                k++;
              } else if (env[b][t]) {
                assertThat(e.values()[b][t]).isZero();
              }
            }
            Gae.Result compact = Gae.compute(r, v, m, 1.0, 0.95);
            k = 0;
            for (int t = 0; t < mask.length; t++) {
              if (mask[t] != 0) {
                assertThat(e.targets().advantages()[b][t])
                    .isCloseTo(compact.advantages()[0][k++], within(1e-12));
              }
            }
          }
          return trainer.learn(e);
        });
  }

  @Test
  void aTurnsRewardIsPlacedAtTheTurnsLastTokenForGae() {
    // The environment pays 0.5 for the first turn. With no KL in the reward, the per-token rewards
    // are exactly 0.5 at that turn's last token, the score at the episode's last token, 0 else.
    EnvironmentFactory paying =
        prompt ->
            new Environment() {
              private int turns;

              @Override
              public EnvironmentStep step(String policyTurn) {
                return ++turns == 1
                    ? new EnvironmentStep(" The dog said hello. ", 0.5, false)
                    : EnvironmentStep.end();
              }
            };
    PpoConfig config =
        grpo()
            .estimator("gae")
            .samplesPerPrompt(1)
            .rolloutBatchSize(8)
            .klCoefficient(0)
            .klLoss(0, io.rlhf4j.train.ppo.KlEstimator.K3)
            .whitenAdvantages(false)
            .environment(new EpisodeSettings(paying, 2, 40))
            .build();
    withTrainer(
        config,
        true,
        trainer -> {
          Experience e = rolloutOfEight(trainer);
          int paid = 0;
          for (int b = 0; b < e.size(); b++) {
            double[] mask = e.mask()[b];
            int len = e.episodes().responses().get(b).length;
            int firstEnv = -1;
            int last = -1;
            for (int t = 0; t < len; t++) {
              if (mask[t] == 0 && firstEnv < 0) {
                firstEnv = t;
              }
              if (mask[t] != 0) {
                last = t;
              }
            }
            for (int t = 0; t < len; t++) {
              double expected =
                  (t == last ? e.episodes().scores()[b] : 0)
                      + (firstEnv > 0 && t == firstEnv - 1 ? 0.5 : 0);
              assertThat(e.targets().rewards()[b][t])
                  .as("row %s token %s", b, t)
                  .isEqualTo(expected);
            }
            paid += firstEnv > 0 ? 1 : 0;
          }
          assertThat(paid).as("episodes paid for their first turn").isPositive();
          assertThat(e.cost().metrics().get("turn_reward")).isEqualTo(0.5 * paid / e.size());
          return null;
        });
  }

  @Test
  void aOneTurnEpisodeIsTheOrdinaryRolloutSample() {
    EnvironmentFactory endsAtOnce = prompt -> policyTurn -> EnvironmentStep.end();
    Experience episodes =
        rollout(grpo().environment(new EpisodeSettings(endsAtOnce, 1, 8)).build());
    Experience plain = rollout(grpo().environment(null).build());
    for (int b = 0; b < plain.size(); b++) {
      assertThat(episodes.episodes().responses().get(b))
          .containsExactly(plain.episodes().responses().get(b));
    }
    assertThat(episodes.mask()).isDeepEqualTo(plain.mask());
    assertThat(episodes.targets().advantages()).isDeepEqualTo(plain.targets().advantages());
  }

  @Test
  void resumingMidRunIsExactWithEpisodes(@TempDir Path dir) {
    // Four iterations straight, against two, a stop, and a rerun that resumes for the last two.
    PpoConfig config = grpo().build();
    TrainingRun whole = new TrainingRun(List.of());
    withTrainer(config, false, whole, t -> trainOn(t, 4, dir.resolve("whole")));
    withTrainer(config, false, new TrainingRun(List.of()), t -> trainOn(t, 2, dir.resolve("cut")));
    TrainingRun resumed = new TrainingRun(List.of());
    withTrainer(config, false, resumed, t -> trainOn(t, 4, dir.resolve("cut")));
    List<StepMetrics> a = whole.history().subList(2, 4);
    List<StepMetrics> b = resumed.history();
    assertThat(b).hasSize(2);
    for (int i = 0; i < 2; i++) {
      for (String key : a.get(i).values().keySet()) {
        if (!key.endsWith("_seconds")) {
          assertThat(b.get(i).get(key)).as("step %s %s", i, key).isEqualTo(a.get(i).get(key));
        }
      }
    }
  }

  @Test
  void eachIterationReportsItsFirstEpisodesTurnByTurn() {
    List<LoggedSample> seen = new java.util.ArrayList<>();
    MetricsListener listener =
        new MetricsListener() {
          @Override
          public void onStep(StepMetrics metrics) {}

          @Override
          public void onSamples(List<LoggedSample> samples) {
            seen.addAll(samples);
          }
        };
    PpoConfig config = grpo().logSamples(3).build();
    Experience e =
        withTrainer(
            config,
            false,
            new TrainingRun(List.of(listener)).scoped("round-1"),
            t -> {
              Experience made =
                  t.rollout(
                      DjlPpoTrainerTest.prompts(
                          ((io.rlhf4j.djl.generate.DjlPolicy) t.policy()).tokenizer(), 2));
              t.learn(made);
              return made;
            });
    assertThat(seen).hasSize(3);
    for (int i = 0; i < 3; i++) {
      LoggedSample s = seen.get(i);
      assertThat(s.stage()).isEqualTo("round-1/grpo");
      assertThat(s.step()).isEqualTo(1);
      assertThat(s.score()).isEqualTo(e.episodes().scores()[i]);
      // A first turn that ended within its limit is followed by the environment's line, then the
      // second turn; the policy's turns alternate with the environment's.
      assertThat(s.turns().get(0).policy()).isTrue();
      for (int k = 1; k < s.turns().size(); k++) {
        assertThat(s.turns().get(k).policy()).isNotEqualTo(s.turns().get(k - 1).policy());
      }
      if (s.turns().size() > 1) {
        assertThat(s.turns().get(1).text()).contains("The dog said hello to the cat.");
      }
    }
    assertThat(seen.stream().anyMatch(s -> s.turns().size() == 3)).isTrue();
  }

  private static Void trainOn(DjlPpoTrainer t, long iterations, Path checkpoint) {
    t.train(
        DjlPpoTrainerTest.prompts(((io.rlhf4j.djl.generate.DjlPolicy) t.policy()).tokenizer(), 8),
        iterations,
        checkpoint,
        1,
        9);
    return null;
  }

  private static Experience poison(Experience e, boolean[][] env, boolean environment) {
    double[][] adv = copy(e.targets().advantages());
    double[][] old = copy(e.logProbs().old());
    java.util.Random random = new java.util.Random(5);
    for (int b = 0; b < e.size(); b++) {
      int len = e.episodes().responses().get(b).length;
      for (int t = 0; t < len; t++) {
        if (env[b][t] == environment) {
          adv[b][t] = 100 * random.nextGaussian();
          old[b][t] = -5 * random.nextDouble();
        }
      }
    }
    return new Experience(
        e.iteration(),
        e.episodes(),
        e.mask(),
        new Experience.LogProbs(e.logProbs().rollout(), old, e.logProbs().reference()),
        e.values(),
        new Experience.Targets(e.targets().rewards(), adv, e.targets().returns()),
        e.beta(),
        e.cost());
  }

  private static double[][] copy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  // One rollout of 8 story prompts, encoded with the trainer's own tokenizer.
  private static Experience rolloutOfEight(DjlPpoTrainer trainer) {
    return trainer.rollout(
        DjlPpoTrainerTest.prompts(
            ((io.rlhf4j.djl.generate.DjlPolicy) trainer.policy()).tokenizer(), 8));
  }
}
