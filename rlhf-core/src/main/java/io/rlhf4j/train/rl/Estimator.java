package io.rlhf4j.train.rl;

import java.util.Locale;

/**
 * The advantage estimators by name, as OpenRLHF's {@code --advantage_estimator} names them (verl
 * keeps the same kind of table). Each entry is one class; adding an algorithm of this family is a
 * line here plus that class and its test.
 */
public enum Estimator {
  /** PPO: GAE with a critic, γ = 1, λ = 0.95, whitened. */
  GAE("gae") {
    @Override
    public AdvantageEstimator create(double gamma, double lambda) {
      return new GaeEstimator(gamma, lambda, true);
    }
  },
  /** GRPO: group-normalised sequence rewards. */
  GRPO("group_norm") {
    @Override
    public AdvantageEstimator create(double gamma, double lambda) {
      return new GrpoEstimator();
    }
  },
  /** Dr. GRPO: group-centred sequence rewards, no std division. */
  DR_GRPO("dr_grpo") {
    @Override
    public AdvantageEstimator create(double gamma, double lambda) {
      return new DrGrpoEstimator();
    }
  },
  /** RLOO: leave-one-out baseline. */
  RLOO("rloo") {
    @Override
    public AdvantageEstimator create(double gamma, double lambda) {
      return new RlooEstimator();
    }
  },
  /** REINFORCE++: KL-shaped returns whitened over the batch. */
  REINFORCE_PP("reinforce") {
    @Override
    public AdvantageEstimator create(double gamma, double lambda) {
      return new ReinforcePlusPlusEstimator(gamma, false);
    }
  },
  /** REINFORCE++ with each prompt's mean score as baseline. */
  REINFORCE_PP_BASELINE("reinforce_baseline") {
    @Override
    public AdvantageEstimator create(double gamma, double lambda) {
      return new ReinforcePlusPlusEstimator(gamma, true);
    }
  };

  private final String openRlhfName;

  Estimator(String openRlhfName) {
    this.openRlhfName = openRlhfName;
  }

  /** The estimator with the given discount γ and GAE λ (ignored where they do not apply). */
  public abstract AdvantageEstimator create(double gamma, double lambda);

  /** OpenRLHF's name for it ({@code --advantage_estimator}). */
  public String openRlhfName() {
    return openRlhfName;
  }

  /** The estimator named {@code name}, ours (e.g. {@code grpo}) or OpenRLHF's. */
  public static Estimator named(String name) {
    for (Estimator e : values()) {
      if (e.name().equalsIgnoreCase(name.replace('-', '_')) || e.openRlhfName.equals(name)) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        "unknown advantage estimator '"
            + name
            + "'; known: "
            + java.util.Arrays.stream(values())
                .map(e -> e.name().toLowerCase(Locale.ROOT))
                .toList());
  }
}
