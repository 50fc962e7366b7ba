package io.rlhf4j.train;

/**
 * A numerically stable log σ(x) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|)).
 *
 * <p>The naive {@code Math.log(1 / (1 + Math.exp(-x)))} overflows to -∞ near x = -710 and loses
 * every digit long before; this form is exact to rounding for all finite x.
 */
public final class LogSigmoid {
  private LogSigmoid() {}

  /** log σ(x). */
  public static double of(double x) {
    return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
  }

  /** σ(x) without overflow. */
  public static double sigmoid(double x) {
    if (x >= 0) {
      return 1 / (1 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1 + e);
  }
}
