/**
 * The trainers' shared plumbing: the epoch loop, step counting, the per-JVM training lock, dropout
 * switches, engine contexts, and the response tokens' log-probabilities every policy trainer takes.
 *
 * <p><b>Not API.</b> Public only because other rlhf4j packages use it; it may change in any
 * release. Packages named {@code internal} are rlhf4j's own plumbing (see README, "What is API").
 */
package io.rlhf4j.djl.internal.train;
