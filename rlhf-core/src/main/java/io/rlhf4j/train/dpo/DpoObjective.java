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
 *   SimPO:    ℓ = −(1 − ε) log σ(β h − γ) − ε log σ(−(β h − γ))   (per-token means, π_ref := 1)
 *   ORPO:     ℓ = −β log σ(log odds(y_w) − log odds(y_l)),  log odds(y) = m − log(1 − e^m)
 *             with m = per-token mean log π(y), no reference; plus its NLL term on y_w (α = 1)
 * </pre>
 *
 * <p>SimPO and ORPO keep no reference model: the trainer passes 0 for its log-probabilities, so h
 * is the margin of the policy's own (mean) log-probabilities.
 *
 * <p>RPO adds α times the chosen response's per-token NLL, which the trainer computes alongside;
 * the implicit rewards β(log π(y) − log π_ref(y)) are TRL's {@code rewards/chosen} and {@code
 * rewards/rejected}.
 *
 * @param beta β (0.1, TRL's default)
 * @param type the loss
 * @param labelSmoothing ε, the assumed chance a label is flipped (0; sigmoid only)
 * @param sftCoefficient α of RPO's NLL term on the chosen response (0: none; ORPO's is 1)
 * @param rewardMargin SimPO's target margin γ (0.5 with β = 2, the paper's ratio 0.25), 0 for the
 *     others
 */
public record DpoObjective(
    double beta,
    DpoLossType type,
    double labelSmoothing,
    double sftCoefficient,
    double rewardMargin) {

  /** Validates. */
  public DpoObjective {
    checkArgument(beta > 0 && Double.isFinite(beta), "beta must be > 0: %s", beta);
    checkNotNull(type, "type");
    checkArgument(
        labelSmoothing >= 0 && labelSmoothing < 0.5,
        "labelSmoothing must be in [0, 0.5): %s",
        labelSmoothing);
    checkArgument(
        labelSmoothing == 0 || type == DpoLossType.SIGMOID || type == DpoLossType.SIMPO,
        "label smoothing is for sigmoid DPO and SimPO");
    checkArgument(sftCoefficient >= 0, "sftCoefficient must be >= 0: %s", sftCoefficient);
    checkArgument(
        rewardMargin == 0 || type == DpoLossType.SIMPO, "rewardMargin (γ) is SimPO's setting");
  }

  /** The DPO family's objective without SimPO's margin. */
  public DpoObjective(double beta, DpoLossType type, double labelSmoothing, double sftCoefficient) {
    this(beta, type, labelSmoothing, sftCoefficient, 0);
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
      case SIGMOID, SIMPO ->
          -(1 - labelSmoothing) * LogSigmoid.of(sigmoidArgument(h))
              - labelSmoothing * LogSigmoid.of(-sigmoidArgument(h));
      case IPO -> square(h - 1 / (2 * beta));
      case ORPO -> -beta * LogSigmoid.of(logOdds(chosen) - logOdds(rejected));
    };
  }

  /** log(p / (1 − p)) for p = e^m, m a per-token mean log-probability (&lt; 0). */
  public static double logOdds(double meanLogp) {
    return meanLogp - Math.log1p(-Math.exp(meanLogp));
  }

  /** dℓ/d log π(y_w), the loss's gradient in the chosen response's log-probability. */
  public double dLossDChosen(double chosen, double rejected, double chosenRef, double rejectedRef) {
    if (type == DpoLossType.ORPO) {
      return -orpoSlope(chosen, rejected) * dLogOdds(chosen);
    }
    return dLossDMargin(margin(chosen, rejected, chosenRef, rejectedRef));
  }

  /** dℓ/d log π(y_l), the loss's gradient in the rejected response's log-probability. */
  public double dLossDRejected(
      double chosen, double rejected, double chosenRef, double rejectedRef) {
    if (type == DpoLossType.ORPO) {
      return orpoSlope(chosen, rejected) * dLogOdds(rejected);
    }
    return -dLossDMargin(margin(chosen, rejected, chosenRef, rejectedRef));
  }

  // dℓ/dh for the losses that are functions of the margin h alone (all but ORPO, which the
  // callers handle first). Sigmoid DPO and SimPO share −(1 − ε) log σ(x) − ε log σ(−x) with
  // x = βh (− γ for SimPO); d/dx −log σ(x) = −σ(−x), d/dx −log σ(−x) = σ(x).
  private double dLossDMargin(double h) {
    if (type == DpoLossType.IPO) {
      return 2 * (h - 1 / (2 * beta));
    }
    double x = sigmoidArgument(h);
    return beta
        * (-(1 - labelSmoothing) * LogSigmoid.sigmoid(-x) + labelSmoothing * LogSigmoid.sigmoid(x));
  }

  // x of the sigmoid losses: βh, less SimPO's target margin γ (0 for the others).
  private double sigmoidArgument(double h) {
    return beta * h - rewardMargin;
  }

  // −dℓ/dd for ORPO's ℓ = −β log σ(d), d the log-odds gap: β σ(−d).
  private double orpoSlope(double chosen, double rejected) {
    return beta * LogSigmoid.sigmoid(-(logOdds(chosen) - logOdds(rejected)));
  }

  // d log odds / dm = 1 + e^m / (1 − e^m) = 1 / (1 − e^m).
  private static double dLogOdds(double meanLogp) {
    return -1 / Math.expm1(meanLogp);
  }

  /** The implicit reward β(log π(y) − log π_ref(y)). */
  public double reward(double logp, double refLogp) {
    return beta * (logp - refLogp);
  }

  private static double square(double x) {
    return x * x;
  }
}
