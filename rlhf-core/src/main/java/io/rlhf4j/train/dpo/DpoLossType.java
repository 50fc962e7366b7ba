package io.rlhf4j.train.dpo;

/** The preference loss of {@link DpoObjective}, as TRL's {@code loss_type} names it. */
public enum DpoLossType {
  /** DPO (Rafailov et al. 2023): −log σ(β·h); with label smoothing, conservative DPO. */
  SIGMOID,
  /** IPO (Azar et al. 2023): (h − 1/(2β))², on per-token mean log-probabilities. */
  IPO
}
