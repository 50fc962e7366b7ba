package io.rlhf4j.djl.io;

import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.tensor.TensorData;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import io.rlhf4j.internal.json.JsonWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
 * mapping each tensor name to {@code {"dtype", "shape", "data_offsets"}}, then the raw bytes.
 *
 * <p>Read here in plain Java so that F32, F16 and BF16 files all load (converted to fp32, since
 * DJL's PyTorch engine crashes on BF16 arrays), every tensor is checked against the file size
 * before use, and errors name the file and the tensor. Written as F32 with sorted names, the form
 * {@code transformers} and {@code safetensors.torch.load_file} read.
 */
public final class Safetensors {
  private static final long MAX_HEADER = 100L << 20;

  private Safetensors() {}

  /**
   * Reads every tensor of {@code file} as fp32, in header order. The header is checked before any
   * data is read: offsets must be integers with 0 ≤ begin ≤ end, each tensor's bytes must match its
   * shape and dtype exactly, and the tensors must cover the data section without gaps or overlaps,
   * as the format requires. Errors name the file and the tensor and never quote file bytes.
   */
  public static Map<String, Tensor> read(Path file) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, TensorData> e : open(file).entrySet()) {
        tensors.put(e.getKey(), e.getValue().materialize());
      }
    } catch (IOException e) {
      throw new ModelFormatException(file, "cannot read: " + e.getMessage(), e);
    }
    return tensors;
  }

  /**
   * The tensors of {@code file} with every header check done and no data read yet: each entry reads
   * its bytes from the file, converted to fp32, when filled, a megabyte at a time.
   */
  public static Map<String, TensorData> open(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ModelFormatException(file, "file not found");
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < 8) {
        throw new ModelFormatException(file, "truncated: " + size + " bytes, no header");
      }
      ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, lengthBytes, 0, file);
      long headerLength = lengthBytes.flip().getLong();
      if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > size) {
        throw new ModelFormatException(
            file,
            "not a safetensors file, or truncated: its first 8 bytes are not a header length that"
                + " fits a file of "
                + size
                + " bytes");
      }
      ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
      readFully(channel, headerBytes, 8, file);
      Map<String, Object> header;
      try {
        header = Json.parseObject(new String(headerBytes.array(), StandardCharsets.UTF_8));
      } catch (JsonParseException e) {
        throw new ModelFormatException(
            file, "corrupt header: not a JSON object (error at header column " + e.column() + ")");
      }
      long dataStart = 8 + headerLength;
      long dataSize = size - dataStart;
      Map<String, Entry> entries = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : header.entrySet()) {
        if (!e.getKey().equals("__metadata__")) {
          entries.put(e.getKey(), entry(file, e.getKey(), e.getValue(), dataSize));
        }
      }
      checkCoverage(file, entries, dataSize);
      Map<String, TensorData> tensors = new LinkedHashMap<>();
      for (Map.Entry<String, Entry> e : entries.entrySet()) {
        tensors.put(e.getKey(), new Region(file, e.getValue(), dataStart));
      }
      return tensors;
    } catch (IOException e) {
      throw new ModelFormatException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  /** One header entry, checked. */
  private record Entry(String dtype, long[] shape, int count, long begin, long end) {}

  private static Entry entry(Path file, String name, Object value, long dataSize) {
    if (!(value instanceof Map<?, ?> info)) {
      throw ModelFormatException.tensor(file, name, "header entry is not an object");
    }
    String dtype = info.get("dtype") instanceof String d ? d : "(none)";
    int width =
        switch (dtype) {
          case "F32" -> 4;
          case "F16", "BF16" -> 2;
          default ->
              throw ModelFormatException.tensor(
                  file, name, "unsupported dtype " + dtype + " (F32, F16 and BF16 are read)");
        };
    if (!(info.get("shape") instanceof List<?> shapeList)
        || !(info.get("data_offsets") instanceof List<?> offsets)
        || offsets.size() != 2) {
      throw ModelFormatException.tensor(file, name, "header entry lacks shape or data_offsets");
    }
    long[] shape = new long[shapeList.size()];
    long count = 1;
    try {
      for (int i = 0; i < shape.length; i++) {
        if (!(shapeList.get(i) instanceof Long d) || d < 0) {
          throw ModelFormatException.tensor(file, name, "bad shape " + shapeList);
        }
        shape[i] = d;
        count = Math.multiplyExact(count, d);
      }
    } catch (ArithmeticException e) {
      throw ModelFormatException.tensor(file, name, "shape " + shapeList + " is too large");
    }
    if (!(offsets.get(0) instanceof Long begin) || !(offsets.get(1) instanceof Long end)) {
      throw ModelFormatException.tensor(file, name, "data_offsets must be two integers");
    }
    if (begin < 0 || begin > end) {
      throw ModelFormatException.tensor(
          file, name, "data_offsets [" + begin + ", " + end + "] are not 0 <= begin <= end");
    }
    if (end > dataSize) {
      throw ModelFormatException.tensor(
          file, name, "data runs past the end of the file (truncated?)");
    }
    if (count > Integer.MAX_VALUE - 8) {
      throw ModelFormatException.tensor(file, name, "too large for one Java array");
    }
    if (end - begin != count * width) {
      throw ModelFormatException.tensor(
          file,
          name,
          "shape "
              + shapeList
              + " of "
              + dtype
              + " needs "
              + count * width
              + " bytes but data_offsets span "
              + (end - begin));
    }
    return new Entry(dtype, shape, (int) count, begin, end);
  }

  // The tensors must tile the data section exactly: no byte shared by two, none left over.
  private static void checkCoverage(Path file, Map<String, Entry> entries, long dataSize) {
    List<Map.Entry<String, Entry>> byOffset = new java.util.ArrayList<>(entries.entrySet());
    byOffset.sort(
        java.util.Comparator.comparingLong((Map.Entry<String, Entry> e) -> e.getValue().begin())
            .thenComparingLong(e -> e.getValue().end()));
    long covered = 0;
    for (Map.Entry<String, Entry> e : byOffset) {
      Entry t = e.getValue();
      if (t.begin() < covered) {
        throw ModelFormatException.tensor(
            file, e.getKey(), "data_offsets overlap another tensor's bytes");
      }
      if (t.begin() > covered) {
        throw ModelFormatException.tensor(
            file, e.getKey(), "data_offsets leave a gap of " + (t.begin() - covered) + " bytes");
      }
      covered = t.end();
    }
    if (covered != dataSize) {
      throw new ModelFormatException(
          file, (dataSize - covered) + " bytes after the last tensor belong to none");
    }
  }

  /** One tensor's bytes in a file, read and widened to fp32 when filled. */
  private record Region(Path file, Entry entry, long dataStart) implements TensorData {
    private static final int CHUNK = 1 << 20;

    @Override
    public long[] shape() {
      return entry.shape().clone();
    }

    @Override
    public void fill(FloatBuffer out) throws IOException {
      int width = entry.dtype().equals("F32") ? 4 : 2;
      ByteBuffer bytes = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        long at = dataStart + entry.begin();
        long left = entry.end() - entry.begin();
        while (left > 0) {
          bytes.clear();
          bytes.limit((int) Math.min(CHUNK, left));
          readFully(channel, bytes, at, file);
          bytes.flip();
          at += bytes.remaining();
          left -= bytes.remaining();
          switch (entry.dtype()) {
            case "F32" -> out.put(bytes.asFloatBuffer());
            case "F16" -> {
              while (bytes.remaining() >= width) {
                out.put(halfToFloat(bytes.getShort()));
              }
            }
            default -> {
              while (bytes.remaining() >= width) {
                out.put(Float.intBitsToFloat((bytes.getShort() & 0xffff) << 16));
              }
            }
          }
        }
      }
    }
  }

  /** IEEE 754 binary16 to binary32, subnormals, infinities and NaN included. */
  static float halfToFloat(short half) {
    int h = half & 0xffff;
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1f;
    int mantissa = h & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      float value = mantissa * 0x1p-24f; // subnormal (or zero)
      return sign == 0 ? value : -value;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position, Path file)
      throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, at);
      if (n < 0) {
        throw new ModelFormatException(file, "truncated: ended at byte " + at);
      }
      at += n;
    }
  }

  /**
   * Writes {@code tensors} as F32 to {@code file} atomically (a temporary file renamed into place),
   * so a crash never leaves a half-written checkpoint under the real name.
   */
  public static void write(
      Path file, Map<String, ? extends TensorData> tensors, Map<String, String> metadata)
      throws IOException {
    Map<String, Object> header = new LinkedHashMap<>();
    if (!metadata.isEmpty()) {
      header.put("__metadata__", new LinkedHashMap<>(metadata));
    }
    List<String> names = tensors.keySet().stream().sorted().toList();
    long offset = 0;
    for (String name : names) {
      TensorData t = tensors.get(name);
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("dtype", "F32");
      List<Long> shape = new java.util.ArrayList<>();
      for (long d : t.shape()) {
        shape.add(d);
      }
      info.put("shape", shape);
      info.put("data_offsets", List.of(offset, offset + 4L * t.size()));
      header.put(name, info);
      offset += 4L * t.size();
    }
    byte[] headerBytes = JsonWriter.write(header).getBytes(StandardCharsets.UTF_8);
    // Pad the header with spaces to an 8-byte boundary, as the reference writer does.
    int padded = (headerBytes.length + 7) / 8 * 8;
    AtomicFiles.write(
        file,
        out -> {
          ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
          len.putLong(padded);
          out.write(len.array());
          out.write(headerBytes);
          for (int i = headerBytes.length; i < padded; i++) {
            out.write(' ');
          }
          // One tensor at a time: its values, then its little-endian bytes.
          for (String name : names) {
            TensorData t = tensors.get(name);
            ByteBuffer bytes =
                ByteBuffer.allocate(Math.toIntExact(4 * t.size())).order(ByteOrder.LITTLE_ENDIAN);
            t.fill(bytes.asFloatBuffer());
            out.write(bytes.array());
          }
        });
  }
}
