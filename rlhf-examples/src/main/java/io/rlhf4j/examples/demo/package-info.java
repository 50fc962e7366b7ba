/**
 * The main job: the whole InstructGPT loop on stories260K against a simulated rater whose taste no
 * model sees, with charts and an HTML report.
 */
package io.rlhf4j.examples.demo;
