package io.rlhf4j.train.ppo;

import static com.google.common.base.Preconditions.checkArgument;

import io.rlhf4j.train.Masked;

/** The numbers practitioners watch during PPO, in plain double precision. */
public final class PpoDiagnostics {
  private PpoDiagnostics() {}

  /**
   * Approximate KL(π_old ‖ π_new) from tokens sampled under π_old, the k3 estimator (as CleanRL
   * logs it): mean of (ρ − 1) − log ρ with ρ = π_new / π_old. Large values mean the update moved
   * the policy too far from the data it was computed on.
   */
  public static double approxKl(double[][] logpNew, double[][] logpOld, double[][] mask) {
    double[][] k3 = new double[logpNew.length][];
    for (int b = 0; b < logpNew.length; b++) {
      k3[b] = new double[logpNew[b].length];
      for (int t = 0; t < logpNew[b].length; t++) {
        double logRatio = logpNew[b][t] - logpOld[b][t];
        k3[b][t] = Math.expm1(logRatio) - logRatio;
      }
    }
    return Masked.mean(k3, mask);
  }

  /** The fraction of tokens whose ratio ρ left the trust region, |ρ − 1| &gt; ε. */
  public static double clipFraction(
      double[][] logpNew, double[][] logpOld, double[][] mask, double clip) {
    return clipFraction(logpNew, logpOld, mask, clip, clip);
  }

  /**
   * The fraction of tokens whose ratio left an asymmetric trust region (DAPO's clip-higher), ρ &lt;
   * 1 − ε_low or ρ &gt; 1 + ε_high.
   */
  public static double clipFraction(
      double[][] logpNew, double[][] logpOld, double[][] mask, double clipLow, double clipHigh) {
    double[][] clipped = new double[logpNew.length][];
    for (int b = 0; b < logpNew.length; b++) {
      clipped[b] = new double[logpNew[b].length];
      for (int t = 0; t < logpNew[b].length; t++) {
        double ratio = Math.exp(logpNew[b][t] - logpOld[b][t]);
        clipped[b][t] = ratio < 1 - clipLow || ratio > 1 + clipHigh ? 1 : 0;
      }
    }
    return Masked.mean(clipped, mask);
  }

  /** The fraction of tokens whose value moved further than ε_v from its rollout-time value. */
  public static double valueClipFraction(
      double[][] valuesNew, double[][] valuesOld, double[][] mask, double clip) {
    double[][] clipped = new double[valuesNew.length][];
    for (int b = 0; b < valuesNew.length; b++) {
      clipped[b] = new double[valuesNew[b].length];
      for (int t = 0; t < valuesNew[b].length; t++) {
        clipped[b][t] = Math.abs(valuesNew[b][t] - valuesOld[b][t]) > clip ? 1 : 0;
      }
    }
    return Masked.mean(clipped, mask);
  }

  /**
   * Explained variance of the value function, 1 − Var(G − V) / Var(G): 1 is perfect, 0 no better
   * than a constant, negative worse. NaN when the returns have no variance (CleanRL's convention).
   */
  public static double explainedVariance(double[][] values, double[][] returns, double[][] mask) {
    double[][] residual = new double[values.length][];
    for (int b = 0; b < values.length; b++) {
      residual[b] = new double[values[b].length];
      for (int t = 0; t < values[b].length; t++) {
        residual[b][t] = returns[b][t] - values[b][t];
      }
    }
    double varReturns = Masked.variance(returns, mask, false);
    if (varReturns == 0) {
      return Double.NaN;
    }
    return 1 - Masked.variance(residual, mask, false) / varReturns;
  }

  /**
   * The entropy of one next-token distribution given its logits: H = logsumexp(z) − Σ_i p_i z_i.
   */
  public static double entropy(double[] logits) {
    checkArgument(logits.length > 0, "empty logits");
    double max = Double.NEGATIVE_INFINITY;
    for (double z : logits) {
      max = Math.max(max, z);
    }
    double sum = 0;
    double weighted = 0;
    for (double z : logits) {
      double e = Math.exp(z - max);
      sum += e;
      weighted += e * z;
    }
    double logSumExp = max + Math.log(sum);
    return logSumExp - weighted / sum;
  }
}
