/**
 * The starter artifact: depend on {@code io.rlhf4j:rlhf-starter} and rlhf4j, DJL's PyTorch engine,
 * its JNI bridge and the CPU natives come with it; {@link io.rlhf4j.starter.EngineCheck} confirms
 * they load.
 */
package io.rlhf4j.starter;
