/**
 * Direct preference optimisation (offline): the policy learns from rankings directly, against a
 * frozen reference whose log-probabilities are computed once per example; DPO, conservative DPO,
 * IPO and RPO's NLL term, as TRL's DPOTrainer offers them.
 */
package io.rlhf4j.djl.train.dpo;
