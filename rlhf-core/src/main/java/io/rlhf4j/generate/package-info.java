/** Uses of a policy beyond RL: best-of-N (rejection) sampling against a reward model. */
package io.rlhf4j.generate;
