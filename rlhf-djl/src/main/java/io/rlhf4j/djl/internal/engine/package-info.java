/**
 * The engine's plumbing under the model: grad mode, scoped NDManagers, host copies of arrays and
 * scalar reads, the few places rlhf4j reaches below DJL's public API.
 *
 * <p><b>Not API.</b> Public only because other rlhf4j packages use it; it may change in any
 * release. Packages named {@code internal} are rlhf4j's own plumbing (see README, "What is API").
 */
package io.rlhf4j.djl.internal.engine;
