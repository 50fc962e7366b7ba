/**
 * A strict JSON parser and writer for rlhf-core, which carries no JSON library: errors carry the
 * column, so readers report file, line, field and column.
 */
package io.rlhf4j.data.json;
