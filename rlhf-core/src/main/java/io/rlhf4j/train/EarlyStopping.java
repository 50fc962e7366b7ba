package io.rlhf4j.train;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Stops training after {@code patience} evaluations in a row without a lower evaluation loss (by
 * more than {@code minDelta}). Patience 0 never stops. Its state (best loss, evaluations without
 * improvement) is saved in checkpoints so a resumed run stops where the original would have.
 */
public final class EarlyStopping {
  private final int patience;
  private final double minDelta;
  private double best;
  private int withoutImprovement;

  /** A fresh rule. */
  public EarlyStopping(int patience, double minDelta) {
    this(patience, minDelta, Double.POSITIVE_INFINITY, 0);
  }

  /** A rule restored from a checkpoint. */
  public EarlyStopping(int patience, double minDelta, double best, int withoutImprovement) {
    checkArgument(patience >= 0, "patience must be >= 0");
    checkArgument(minDelta >= 0, "minDelta must be >= 0");
    this.patience = patience;
    this.minDelta = minDelta;
    this.best = best;
    this.withoutImprovement = withoutImprovement;
  }

  /** Records one evaluation; true when training should stop now. */
  public boolean update(double evalLoss) {
    if (evalLoss < best - minDelta) {
      best = evalLoss;
      withoutImprovement = 0;
      return false;
    }
    withoutImprovement++;
    return patience > 0 && withoutImprovement >= patience;
  }

  /** The lowest evaluation loss so far (+∞ before the first). */
  public double best() {
    return best;
  }

  /** Evaluations since the last improvement. */
  public int withoutImprovement() {
    return withoutImprovement;
  }
}
