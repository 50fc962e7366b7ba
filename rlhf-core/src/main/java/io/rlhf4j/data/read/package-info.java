/**
 * Readers of preference data files (rlhf4j's JSONL formats, HH-RLHF, LLMFAO): streamed, gzip read
 * strictly, and every bad record reported by file, line and field, or skipped and counted.
 */
package io.rlhf4j.data.read;
