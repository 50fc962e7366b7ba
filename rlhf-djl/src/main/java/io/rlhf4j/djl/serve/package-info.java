/**
 * A model served over OpenAI's HTTP protocol ({@code /v1/completions}, {@code
 * /v1/chat/completions}, {@code /v1/models}), so a trained policy can be tried, evaluated by other
 * tools, and used as a judge ({@link io.rlhf4j.reward.LlmJudge}).
 */
package io.rlhf4j.djl.serve;
