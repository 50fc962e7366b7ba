package io.rlhf4j.train.ppo;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The proportional controller of Ziegler et al. (2019, §2.2), which steers the observed KL towards
 * a target:
 *
 * <pre>
 *   e_t   = clip( KL_t / KL_target − 1, −0.2, 0.2 )
 *   β_t+1 = β_t · (1 + K_β · e_t),   K_β = n_steps / horizon
 * </pre>
 */
public final class AdaptiveKlController implements KlController {
  private static final double MAX_ERROR = 0.2;

  private final double target;
  private final double horizon;
  private double beta;

  /**
   * @param initialBeta β before the first update (&gt; 0, or it could never grow)
   * @param target the KL the controller aims for (nats per sequence)
   * @param horizon episodes over which a full proportional correction is applied
   */
  public AdaptiveKlController(double initialBeta, double target, double horizon) {
    checkArgument(initialBeta > 0 && Double.isFinite(initialBeta), "initialBeta must be > 0");
    checkArgument(target > 0 && Double.isFinite(target), "target must be > 0");
    checkArgument(horizon > 0 && Double.isFinite(horizon), "horizon must be > 0");
    this.beta = initialBeta;
    this.target = target;
    this.horizon = horizon;
  }

  @Override
  public double beta() {
    return beta;
  }

  /** The KL this controller aims for. */
  public double target() {
    return target;
  }

  @Override
  public void update(double observedKl, long nSteps) {
    checkArgument(Double.isFinite(observedKl), "observed KL is not finite: %s", observedKl);
    checkArgument(nSteps > 0, "nSteps must be > 0");
    double error = Math.max(-MAX_ERROR, Math.min(MAX_ERROR, observedKl / target - 1));
    beta *= 1 + error * nSteps / horizon;
  }

  @Override
  public void restore(double savedBeta) {
    checkArgument(savedBeta > 0 && Double.isFinite(savedBeta), "beta must be > 0");
    this.beta = savedBeta;
  }
}
