/**
 * Engine-free reinforcement learning for language models beyond InstructGPT's PPO: pluggable
 * advantage estimators (GAE with a critic, GRPO, Dr. GRPO, RLOO, REINFORCE++ and its group
 * baseline), the policy objective with its options (asymmetric clipping, KL as a loss term, loss
 * aggregation, entropy bonus) and group statistics, each in plain double precision next to its
 * equation. rlhf-djl's trainers compute the same quantities and are tested against these.
 */
package io.rlhf4j.train.rl;
