/**
 * Episodes with tools, WebGPT's "one big RL episode": the policy writes a turn, an {@link
 * io.rlhf4j.episode.Environment} answers with an observation, a reward or the end, for up to a set
 * number of turns. {@link io.rlhf4j.episode.Tool}s are plain Java functions with a name, a
 * description and typed parameters; a {@link io.rlhf4j.episode.ToolCallFormat} reads the policy's
 * calls and writes the results in the model's own chat format; a {@link
 * io.rlhf4j.episode.ToolEnvironment} runs the calls and turns every bad one into an observation.
 * The policy's tokens are trained; the environment's sit in the context and are masked out.
 */
package io.rlhf4j.episode;
