package io.rlhf4j.djl.internal.train;

import java.util.concurrent.locks.ReentrantLock;

/**
 * One training at a time per JVM. DJL's PyTorch engine keeps a single JVM-wide flag for its
 * gradient collector, so two trainings on two threads would collide at their first backward pass
 * and one of them would die mid-step; this lock makes the second fail before it starts, naming the
 * one that runs. The state here is the JVM-wide state DJL imposes, made visible, and nothing more.
 * Training may run on any thread (see {@link io.rlhf4j.djl.internal.engine.GradMode}); nested
 * stages on the same thread (a pipeline running its trainers) take the lock again freely.
 */
public final class TrainingLock implements AutoCloseable {
  private static final ReentrantLock LOCK = new ReentrantLock();
  private static volatile String holder = "";

  private TrainingLock() {}

  /**
   * Takes the lock for {@code what} on the calling thread.
   *
   * @throws IllegalStateException when another thread is training
   */
  public static TrainingLock acquire(String what) {
    if (!LOCK.tryLock()) {
      throw new IllegalStateException(
          "cannot start "
              + what
              + " on thread '"
              + Thread.currentThread().getName()
              + "': "
              + holder
              + " is training in this JVM, and DJL's PyTorch engine allows one training at a time"
              + " (run them one after another, or in separate JVMs)");
    }
    if (LOCK.getHoldCount() == 1) {
      holder = what + " on thread '" + Thread.currentThread().getName() + "'";
    }
    return new TrainingLock();
  }

  @Override
  public void close() {
    LOCK.unlock();
  }
}
