/**
 * What the three stage trainers share: AdamW with saveable state, the tensor losses, atomic
 * checkpoints, the run's listeners, the JVM-wide training lock, context checks and the run folder's
 * settings record.
 */
package io.rlhf4j.djl.train;
