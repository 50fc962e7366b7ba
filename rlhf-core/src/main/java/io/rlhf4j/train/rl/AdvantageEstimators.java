package io.rlhf4j.train.rl;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableSortedSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;

/**
 * The advantage estimators by name, open to the caller's own (verl's {@code
 * register_adv_est}/{@code get_adv_estimator_fn}, OpenRLHF's {@code --advantage_estimator}). A new
 * estimator is one class implementing {@link AdvantageEstimator} and one {@link #register} call;
 * the trainers find it by the name given to {@code PpoConfig.Builder.estimator}.
 *
 * <p>Names are lower case; {@code -} and {@code _} are the same, so {@code dr-grpo} finds {@code
 * dr_grpo}. OpenRLHF's spellings are registered as aliases of the same entries, and an alias
 * resolves to its entry's name, the one recorded in run folders and metrics.
 */
public final class AdvantageEstimators {
  /** Makes an estimator from the run's settings. */
  @FunctionalInterface
  public interface Factory {
    /** A new estimator for these settings. */
    AdvantageEstimator create(EstimatorSettings settings);
  }

  /** PPO's: GAE with a critic. */
  public static final String GAE = "gae";

  /** GRPO's group normalisation. */
  public static final String GRPO = "grpo";

  /** Dr. GRPO's group centring. */
  public static final String DR_GRPO = "dr_grpo";

  /** RLOO's leave-one-out baseline. */
  public static final String RLOO = "rloo";

  /** REINFORCE++'s batch-whitened returns. */
  public static final String REINFORCE_PP = "reinforce_pp";

  /** REINFORCE++ with each prompt's mean score as baseline. */
  public static final String REINFORCE_PP_BASELINE = "reinforce_pp_baseline";

  // Guarded by the class: registration is rare (start-up) and lookups are cheap.
  private static final Map<String, Factory> FACTORIES = new LinkedHashMap<>();
  private static final Map<String, String> ALIASES = new LinkedHashMap<>();

  static {
    register(GAE, s -> new GaeEstimator(s.gamma(), s.lambda(), s.whiten()));
    register(GRPO, s -> new GrpoEstimator());
    register(DR_GRPO, s -> new DrGrpoEstimator());
    register(RLOO, s -> new RlooEstimator());
    register(REINFORCE_PP, s -> new ReinforcePlusPlusEstimator(s.gamma(), false));
    register(REINFORCE_PP_BASELINE, s -> new ReinforcePlusPlusEstimator(s.gamma(), true));
    alias("group_norm", GRPO);
    alias("reinforce", REINFORCE_PP);
    alias("reinforce++", REINFORCE_PP);
    alias("reinforce_baseline", REINFORCE_PP_BASELINE);
  }

  private AdvantageEstimators() {}

  /**
   * Adds an estimator under {@code name}.
   *
   * @throws IllegalArgumentException if the name (or an alias spelled the same) is taken
   */
  public static synchronized void register(String name, Factory factory) {
    checkNotNull(factory, "factory");
    String key = key(name);
    checkArgument(
        !FACTORIES.containsKey(key) && !ALIASES.containsKey(key),
        "an advantage estimator named '%s' is already registered",
        key);
    FACTORIES.put(key, factory);
  }

  /** Makes {@code alias} another name of the registered {@code name}. */
  public static synchronized void alias(String alias, String name) {
    String key = key(alias);
    checkArgument(
        !FACTORIES.containsKey(key) && !ALIASES.containsKey(key),
        "an advantage estimator named '%s' is already registered",
        key);
    ALIASES.put(key, canonical(name));
  }

  /**
   * The registered name {@code name} stands for (itself, or what it is an alias of).
   *
   * @throws IllegalArgumentException naming the known estimators when none has that name
   */
  public static synchronized String canonical(String name) {
    String key = key(name);
    String found = ALIASES.getOrDefault(key, key);
    if (!FACTORIES.containsKey(found)) {
      throw new IllegalArgumentException(
          "unknown advantage estimator '" + name + "'; known: " + names());
    }
    return found;
  }

  /** A new estimator registered as {@code name}, for {@code settings}. */
  public static synchronized AdvantageEstimator create(String name, EstimatorSettings settings) {
    return FACTORIES.get(canonical(name)).create(checkNotNull(settings, "settings"));
  }

  /** The registered names (without aliases), sorted. */
  public static synchronized SortedSet<String> names() {
    return ImmutableSortedSet.copyOf(FACTORIES.keySet());
  }

  private static String key(String name) {
    checkArgument(name != null && !name.isBlank(), "an estimator needs a name");
    return name.strip().toLowerCase(Locale.ROOT).replace('-', '_');
  }
}
