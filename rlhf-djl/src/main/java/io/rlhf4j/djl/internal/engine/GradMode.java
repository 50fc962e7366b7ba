package io.rlhf4j.djl.internal.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

/**
 * libtorch's grad mode, which is per thread and on by default. DJL switches it off only on the
 * thread that started the engine, and its gradient collector restores whatever it found: on any
 * other thread grad mode stays on after a backward pass, so the optimizer's in-place update of a
 * parameter fails ("a leaf Variable that requires grad is being used in an in-place operation") and
 * inference records graphs it never frees. Every entry point of rlhf4j that runs the engine
 * switches it off for the calling thread first, so models train and generate on any thread.
 */
public final class GradMode {
  private GradMode() {}

  /** Switches grad mode off for the calling thread (cheap; safe to call often). */
  public static void offOnThisThread() {
    JniUtils.setGradMode(false);
  }

  /**
   * Switches grad mode off on this thread until the returned handle closes, then back to what it
   * was: work inside an open gradient collector that must not be recorded (a forward pass whose
   * activations will be recomputed).
   */
  public static Paused pause() {
    boolean was = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    return () -> JniUtils.setGradMode(was);
  }

  /** Restores grad mode when closed; see {@link #pause()}. */
  public interface Paused extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * A gradient collector that leaves grad mode off for this thread when it closes, whatever the
   * thread's state before. DJL allows one collector at a time in a JVM; a second one fails with
   * {@link IllegalStateException} and leaves grad mode off here too.
   */
  public static GradientCollector collector() {
    offOnThisThread();
    try {
      return Engine.getInstance().newGradientCollector();
    } catch (IllegalStateException e) {
      offOnThisThread(); // the failed constructor has already switched it on
      throw new IllegalStateException(
          "another gradient collector is open in this JVM (DJL's PyTorch engine allows one at a"
              + " time): train one model after another",
          e);
    }
  }
}
