package io.rlhf4j.model;

import java.io.Serializable;
import java.util.function.ToDoubleBiFunction;

/**
 * A reward of (prompt text, response text), higher is better, that is also serialisable: a lambda
 * written where one is expected is serialisable by itself (when what it captures is), so the reward
 * travels to Spark executors with the rollouts.
 */
@FunctionalInterface
public interface RewardFunction extends ToDoubleBiFunction<String, String>, Serializable {}
