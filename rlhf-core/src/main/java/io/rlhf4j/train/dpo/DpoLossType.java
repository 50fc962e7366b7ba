package io.rlhf4j.train.dpo;

/** The preference loss of {@link DpoObjective}, as TRL's {@code loss_type} names it. */
public enum DpoLossType {
  /** DPO (Rafailov et al. 2023): −log σ(β·h); with label smoothing, conservative DPO. */
  SIGMOID,
  /** IPO (Azar et al. 2023): (h − 1/(2β))², on per-token mean log-probabilities. */
  IPO,
  /**
   * SimPO (Meng et al. 2024): −log σ(β·(m_w − m_l) − γ) on per-token mean log-probabilities m, with
   * no reference model.
   */
  SIMPO,
  /**
   * ORPO (Hong et al. 2024): −λ·log σ(log odds(y_w) − log odds(y_l)) with odds = p/(1 − p), p the
   * per-token mean probability, no reference model; its NLL term on y_w is the sftCoefficient.
   */
  ORPO;

  /** Whether the loss reads no reference model (SimPO, ORPO): the trainer then keeps none. */
  public boolean referenceFree() {
    return this == SIMPO || this == ORPO;
  }

  /** Whether it reads per-token mean log-probabilities instead of sums (IPO, SimPO, ORPO). */
  public boolean perTokenMean() {
    return this != SIGMOID;
  }
}
