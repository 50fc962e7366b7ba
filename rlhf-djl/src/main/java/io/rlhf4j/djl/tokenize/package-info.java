/**
 * Tokenizers: llama2.c's BPE and GPT-2's byte-level BPE in pure Java, and Hugging Face
 * tokenizer.json through DJL; each can be saved as a tokenizer.json.
 */
package io.rlhf4j.djl.tokenize;
