/**
 * Training machinery shared by every stage: the (prompt, response) encoding all stages read the
 * same way ({@link io.rlhf4j.train.Examples}), learning-rate schedules, early stopping, metric
 * listeners and the metrics file, derived seeds, and the reference maths of masked means.
 */
package io.rlhf4j.train;
