/**
 * Model files in and out: Hugging Face folders (config, safetensors, sharded indexes), llama2.c
 * checkpoints, and their checks; every untrusted file is validated before native memory is used.
 */
package io.rlhf4j.djl.io;
