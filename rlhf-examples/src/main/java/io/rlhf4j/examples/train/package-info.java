/**
 * Training from the shell on the user's own files: {@code sft}, {@code ppo}, {@code grpo}, {@code
 * rloo}, {@code reinforce++} and {@code dpo}, each with a config file (YAML or JSON) whose every
 * value an option overrides, field-name mapping for JSONL, the resolved config saved in the run
 * folder, progress on stderr, a metrics file, and resume by rerunning the same command.
 */
package io.rlhf4j.examples.train;
