/**
 * KTO on tensors: {@link io.rlhf4j.djl.train.kto.KtoTrainer} trains a policy from completions each
 * judged good or bad on its own, against a frozen reference, with {@link
 * io.rlhf4j.djl.train.kto.KtoConfig}.
 */
package io.rlhf4j.djl.train.kto;
