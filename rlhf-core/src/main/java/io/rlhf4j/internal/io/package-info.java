/**
 * Files: opening inputs with errors that name the file and the problem, and writing outputs
 * atomically and durably (write, force, rename, force the folder), with the crash recovery every
 * checkpoint and data file of rlhf4j goes through.
 *
 * <p><b>Not API.</b> Public only because other rlhf4j packages use it; it may change in any
 * release. Packages named {@code internal} are rlhf4j's own plumbing (see README, "What is API").
 */
package io.rlhf4j.internal.io;
