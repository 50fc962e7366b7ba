package io.rlhf4j.djl.train.rl;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableSortedSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;

/**
 * The policy losses by name, open to the caller's own (verl's {@code register_policy_loss}/{@code
 * get_policy_loss_fn}, TRL's {@code loss_type}): a new loss is one class implementing {@link
 * PolicyLoss} and one {@link #register} call, then {@code PpoConfig.builder().policyLoss("name")}.
 * Names are lower case, {@code -} and {@code _} alike.
 */
public final class PolicyLosses {
  /** Makes a loss for the configured ratio range [1 − ε_low, 1 + ε_high]. */
  @FunctionalInterface
  public interface Factory {
    /** A loss for this clip range (a loss without clipping ignores it). */
    PolicyLoss create(double clipLow, double clipHigh);
  }

  /** PPO's clipped surrogate (verl's {@code vanilla}), the default. */
  public static final String PPO = "ppo";

  /** GSPO's sequence-ratio surrogate. */
  public static final String GSPO = "gspo";

  /** CISPO's clipped, detached importance weight on every token's log-likelihood. */
  public static final String CISPO = "cispo";

  // Guarded by the class: registration is rare (start-up) and lookups are cheap.
  private static final Map<String, Factory> FACTORIES = new LinkedHashMap<>();

  static {
    register(PPO, PpoClipLoss::new);
    register(GSPO, GspoLoss::new);
    register(CISPO, CispoLoss::new);
  }

  private PolicyLosses() {}

  /**
   * Adds a loss under {@code name}.
   *
   * @throws IllegalArgumentException if the name is taken
   */
  public static synchronized void register(String name, Factory factory) {
    checkNotNull(factory, "factory");
    String key = key(name);
    checkArgument(
        !FACTORIES.containsKey(key), "a policy loss named '%s' is already registered", key);
    FACTORIES.put(key, factory);
  }

  /**
   * The registered spelling of {@code name}.
   *
   * @throws IllegalArgumentException naming the known losses when none has that name
   */
  public static synchronized String canonical(String name) {
    String key = key(name);
    if (!FACTORIES.containsKey(key)) {
      throw new IllegalArgumentException("unknown policy loss '" + name + "'; known: " + names());
    }
    return key;
  }

  /** A new loss registered as {@code name}, for this clip range. */
  public static synchronized PolicyLoss create(String name, double clipLow, double clipHigh) {
    return FACTORIES.get(canonical(name)).create(clipLow, clipHigh);
  }

  /** The registered names, sorted. */
  public static synchronized SortedSet<String> names() {
    return ImmutableSortedSet.copyOf(FACTORIES.keySet());
  }

  private static String key(String name) {
    checkArgument(name != null && !name.isBlank(), "a policy loss needs a name");
    return name.strip().toLowerCase(Locale.ROOT).replace('-', '_');
  }
}
