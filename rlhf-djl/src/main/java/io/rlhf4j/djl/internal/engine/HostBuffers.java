package io.rlhf4j.djl.internal.engine;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.FloatBuffer;

/** Java views of CPU arrays' memory, for work done by plain loops instead of engine calls. */
public final class HostBuffers {
  private HostBuffers() {}

  /**
   * The threads libtorch computes with ({@code ai.djl.pytorch.num_threads}), for host loops that
   * should load the machine as the engine does.
   */
  public static int threads() {
    return Math.max(1, JniUtils.getNumThreads());
  }

  /** Whether {@link #floats} can view {@code a}: an fp32 array in CPU memory. */
  public static boolean viewable(NDArray a) {
    return a.getDevice().equals(Device.cpu()) && a.getDataType() == DataType.FLOAT32;
  }

  /**
   * The values of {@code a} as a buffer over its own memory: writes change the array. DJL's direct
   * buffer aliases the tensor's storage when the tensor is contiguous (a copy otherwise, whose
   * writes would be lost), so {@code a} must be contiguous: a parameter, a gradient (libtorch lays
   * it out as its parameter), an array made by the engine, or a block of rows of one of those.
   */
  public static FloatBuffer floats(NDArray a) {
    checkArgument(viewable(a), "not an fp32 array in CPU memory: %s", a);
    checkArgument(a.size() * 4 <= Integer.MAX_VALUE, "over 2 GB: %s", a.getShape());
    return a.toByteBuffer(true).asFloatBuffer();
  }
}
