/**
 * The rlhf4j command line ({@code rlhf4j.jar}): one small class per command, and the dispatcher
 * that turns every failure into one line and an exit status.
 */
package io.rlhf4j.examples;
