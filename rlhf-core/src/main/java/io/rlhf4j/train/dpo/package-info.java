/**
 * Direct preference optimisation, engine-free: the DPO family's losses (sigmoid DPO, conservative
 * DPO with label smoothing, IPO, and RPO's NLL term) in plain double precision with their
 * gradients, the reference rlhf-djl's DPO trainer is tested against.
 */
package io.rlhf4j.train.dpo;
