/**
 * The reward model's ranking loss, −1/C(K,2) Σ log σ(r_w − r_l − m), and pairwise accuracy, in
 * plain double precision.
 */
package io.rlhf4j.train.reward;
