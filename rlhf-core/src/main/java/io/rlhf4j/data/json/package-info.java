/**
 * JSON for rlhf4j's files, read and written by Gson's streaming API in its strict mode, as plain
 * Java values; errors carry the column, so readers report file, line, field and column.
 */
package io.rlhf4j.data.json;
