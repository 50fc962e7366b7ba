/**
 * Supervised fine-tuning (InstructGPT step 1): response-token NLL with gradient accumulation,
 * evaluation, early stopping and exact resume.
 */
package io.rlhf4j.djl.train.sft;
