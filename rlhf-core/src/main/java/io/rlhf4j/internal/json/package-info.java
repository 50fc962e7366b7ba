/**
 * JSON for rlhf4j's files, read and written by Gson's streaming API in its strict mode, as plain
 * Java values; errors carry the column, so readers report file, line, field and column.
 *
 * <p><b>Not API.</b> Public only because other rlhf4j packages use it; it may change in any
 * release. Packages named {@code internal} are rlhf4j's own plumbing (see README, "What is API").
 */
package io.rlhf4j.internal.json;
