package io.rlhf4j.train.dpo;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.train.LogSigmoid;

/**
 * The DPO family's loss for one preference pair (chosen y_w, rejected y_l), from the policy's and
 * the frozen reference's log-probabilities of each response:
 *
 * <pre>
 *   h = (log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))
 *   sigmoid:  ℓ = −(1 − ε) log σ(β h) − ε log σ(−β h)        (ε = 0: DPO; ε &gt; 0: cDPO)
 *   IPO:      ℓ = (h − 1/(2β))²                               (log-probabilities per-token means)
 * </pre>
 *
 * <p>RPO adds α times the chosen response's per-token NLL, which the trainer computes alongside;
 * the implicit rewards β(log π(y) − log π_ref(y)) are TRL's {@code rewards/chosen} and {@code
 * rewards/rejected}.
 *
 * @param beta β (0.1, TRL's default)
 * @param type the loss
 * @param labelSmoothing ε, the assumed chance a label is flipped (0; sigmoid only)
 * @param sftCoefficient α of RPO's NLL term on the chosen response (0: none)
 */
public record DpoObjective(
    double beta, DpoLossType type, double labelSmoothing, double sftCoefficient) {

  /** Validates. */
  public DpoObjective {
    checkArgument(beta > 0 && Double.isFinite(beta), "beta must be > 0: %s", beta);
    checkNotNull(type, "type");
    checkArgument(
        labelSmoothing >= 0 && labelSmoothing < 0.5,
        "labelSmoothing must be in [0, 0.5): %s",
        labelSmoothing);
    checkArgument(
        labelSmoothing == 0 || type == DpoLossType.SIGMOID, "label smoothing is for sigmoid DPO");
    checkArgument(sftCoefficient >= 0, "sftCoefficient must be >= 0: %s", sftCoefficient);
  }

  /** h, the policy's log-ratio margin over the reference's. */
  public static double margin(
      double chosen, double rejected, double chosenRef, double rejectedRef) {
    return (chosen - chosenRef) - (rejected - rejectedRef);
  }

  /** The loss of one pair (without RPO's NLL term). */
  public double loss(double chosen, double rejected, double chosenRef, double rejectedRef) {
    double h = margin(chosen, rejected, chosenRef, rejectedRef);
    return switch (type) {
      case SIGMOID ->
          -(1 - labelSmoothing) * LogSigmoid.of(beta * h)
              - labelSmoothing * LogSigmoid.of(-beta * h);
      case IPO -> square(h - 1 / (2 * beta));
    };
  }

  /** dℓ/dh; the loss's gradient is this for log π(y_w) and minus this for log π(y_l). */
  public double dLossDMargin(double chosen, double rejected, double chosenRef, double rejectedRef) {
    double h = margin(chosen, rejected, chosenRef, rejectedRef);
    return switch (type) {
        // d/dx −log σ(x) = −σ(−x); d/dx −log σ(−x) = σ(x)
      case SIGMOID ->
          beta
              * (-(1 - labelSmoothing) * LogSigmoid.sigmoid(-beta * h)
                  + labelSmoothing * LogSigmoid.sigmoid(beta * h));
      case IPO -> 2 * (h - 1 / (2 * beta));
    };
  }

  /** The implicit reward β(log π(y) − log π_ref(y)). */
  public double reward(double logp, double refLogp) {
    return beta * (logp - refLogp);
  }

  private static double square(double x) {
    return x * x;
  }
}
