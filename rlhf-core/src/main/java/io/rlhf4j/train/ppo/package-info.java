/**
 * PPO's reference mathematics in plain double precision, each next to its equation: KL-shaped
 * rewards and estimators, KL controllers, GAE, whitening, the clipped losses and the diagnostics.
 * The tensor code in rlhf-djl is tested against these, and the rollout maths calls them.
 */
package io.rlhf4j.train.ppo;
