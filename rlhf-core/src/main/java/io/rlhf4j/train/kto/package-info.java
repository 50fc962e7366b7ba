/**
 * Kahneman–Tversky optimisation, engine-free: KTO's loss on unpaired good and bad completions in
 * plain double precision, the reference rlhf-djl's KTO trainer is tested against.
 */
package io.rlhf4j.train.kto;
