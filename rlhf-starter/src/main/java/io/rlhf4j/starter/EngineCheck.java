package io.rlhf4j.starter;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;

/**
 * Confirms that the one dependency is enough: starts DJL's PyTorch engine from the jars on the
 * class path (no download) and runs one operation on its default device.
 *
 * <p>Run it as {@code java -cp <your class path> io.rlhf4j.starter.EngineCheck}; it prints one line
 * and exits 0, or names what is missing and exits 1.
 */
public final class EngineCheck {
  private EngineCheck() {}

  /**
   * What the engine reported.
   *
   * @param engine the engine's name ("PyTorch")
   * @param version the libtorch version of the natives that were loaded
   * @param device the device rlhf4j trains on by default
   * @param gpus how many GPUs the engine sees
   * @param sum 1 + 2 + 3 computed on {@code device}, proof that an operation ran
   */
  public record Report(String engine, String version, Device device, int gpus, float sum) {
    @Override
    public String toString() {
      return engine + " " + version + " on " + device + " (" + gpus + " GPU(s)); 1+2+3 = " + sum;
    }
  }

  /** Starts the engine if needed and runs one sum on its default device. */
  public static Report check() {
    Engine engine = Engine.getEngine("PyTorch");
    Device device = engine.defaultDevice();
    try (NDManager manager = engine.newBaseManager(device);
        NDArray a = manager.create(new float[] {1, 2, 3});
        NDArray s = a.sum()) {
      return new Report(
          engine.getEngineName(), engine.getVersion(), device, engine.getGpuCount(), s.getFloat());
    }
  }

  /**
   * Prints the {@link Report}, or the reason the engine did not start.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    try {
      System.out.println(check());
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      List<String> hints =
          Arrays.asList(
              "rlhf-starter brings ai.djl.pytorch:pytorch-jni and the CPU natives of Linux x86-64"
                  + " and aarch64, macOS aarch64 and Windows x86-64;",
              "on another platform add pytorch-native-cpu with its classifier, or see README's"
                  + " CUDA section.");
      System.err.println("rlhf4j: the PyTorch engine did not start: " + e.getMessage());
      hints.forEach(h -> System.err.println("  " + h));
      System.exit(1);
    }
  }
}
