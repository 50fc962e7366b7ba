/**
 * Training plumbing of rlhf-core: the seeds every random draw derives from (seed, purpose, step),
 * so a resumed run draws what an uninterrupted one drew.
 *
 * <p><b>Not API.</b> Public only because other rlhf4j packages use it; it may change in any
 * release. Packages named {@code internal} are rlhf4j's own plumbing (see README, "What is API").
 */
package io.rlhf4j.internal.train;
