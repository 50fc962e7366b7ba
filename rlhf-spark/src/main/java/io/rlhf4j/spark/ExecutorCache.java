package io.rlhf4j.spark;

import ai.djl.Device;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The models an executor JVM keeps between tasks: idle copies of the current blueprint's models,
 * one per task that ran at once (one, with one task slot per executor).
 *
 * <p>Static because an executor offers nothing else that outlives a task: Spark deserialises a
 * broadcast once per JVM, but the native models built from it must be kept somewhere. Only the
 * newest blueprint is kept: a task of another one drops the older models, so an executor holds at
 * most one trainer's models per running task.
 */
final class ExecutorCache {
  private static final Object LOCK = new Object();
  private static long blueprint;
  private static final Deque<ExecutorModels> IDLE = new ArrayDeque<>();
  private static final AtomicLong BUILT = new AtomicLong();

  private ExecutorCache() {}

  /** An idle copy of {@code plan}'s models, or a new one built with {@code weights}. */
  static ExecutorModels take(WorkerBlueprint plan, Supplier<TrainedWeights> weights) {
    synchronized (LOCK) {
      if (blueprint != plan.id) {
        clearLocked();
        blueprint = plan.id;
      }
      ExecutorModels idle = IDLE.pollFirst();
      if (idle != null) {
        return idle;
      }
    }
    // Built outside the lock: loading a model takes seconds, and other slots may be busy meanwhile.
    BUILT.incrementAndGet();
    return plan.build(device(plan), weights.get());
  }

  /** Puts back models a task finished with; those of an older blueprint are closed. */
  static void give(ExecutorModels models) {
    synchronized (LOCK) {
      if (models.blueprint == blueprint) {
        IDLE.addFirst(models);
        return;
      }
    }
    models.close();
  }

  /** How many copies this JVM has built so far. */
  static long built() {
    return BUILT.get();
  }

  /** Closes every idle copy, as a restarted executor would have none. */
  static void clear() {
    synchronized (LOCK) {
      clearLocked();
    }
  }

  private static void clearLocked() {
    while (!IDLE.isEmpty()) {
      IDLE.pollFirst().close();
    }
  }

  // A GPU task uses the GPU Spark assigned it (spark.task.resource.gpu.amount), else the first.
  private static Device device(WorkerBlueprint plan) {
    if (!plan.gpu) {
      return Device.cpu();
    }
    org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
    // The Java view of the resources: the Scala one differs between Scala 2.12 and 2.13 builds.
    org.apache.spark.resource.ResourceInformation gpu =
        task == null ? null : task.resourcesJMap().get("gpu");
    if (gpu != null && gpu.addresses().length > 0) {
      return Device.gpu(Integer.parseInt(gpu.addresses()[0]));
    }
    return Device.gpu();
  }
}
