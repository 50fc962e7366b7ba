package io.rlhf4j.label;

import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import io.rlhf4j.internal.json.JsonWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only JSONL file where each record is on disk before it is acknowledged: written in one
 * call and forced to the device. A crash can leave at most the last line half written; opening the
 * file cuts that line off (it was never acknowledged), so no record is ever read half. Removing a
 * record (an undo) rewrites the file atomically.
 */
final class DurableLog {
  private static final Logger LOG = LoggerFactory.getLogger(DurableLog.class);

  private final Path file;
  private final List<Map<String, Object>> records = new ArrayList<>();
  private boolean halfLine; // a failed append could not be cut back

  private DurableLog(Path file) {
    this.file = file;
  }

  /** Opens {@code file}, creating it if absent and repairing a half-written last line. */
  static DurableLog open(Path file) throws IOException {
    DurableLog log = new DurableLog(file);
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    if (!Files.exists(file)) {
      return log;
    }
    byte[] bytes = Files.readAllBytes(file);
    int end = cutHalfLine(file, bytes);
    String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
    int line = 0;
    for (String l : text.split("\n")) {
      line++;
      if (l.isBlank()) {
        continue;
      }
      try {
        log.records.add(Json.parseObject(l));
      } catch (JsonParseException e) {
        throw new DataFormatException(file, line, null, "invalid JSON: " + e.getMessage());
      }
    }
    return log;
  }

  // Cuts a trailing half line off the file whose content is {@code bytes}; returns the new length.
  private static int cutHalfLine(Path file, byte[] bytes) throws IOException {
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] != '\n') {
      end--;
    }
    if (end < bytes.length) {
      LOG.warn("{}: cutting off a half-written last line ({} bytes)", file, bytes.length - end);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(end);
        ch.force(true);
      }
    }
    return end;
  }

  /** The records, oldest first. */
  List<Map<String, Object>> records() {
    return List.copyOf(records);
  }

  /**
   * Appends {@code record} and returns once it is on the device. A write that fails part way (a
   * full disk, a quota, an I/O error) is cut back off before the exception is thrown, so the file
   * never holds a half line that the next acknowledged record would be glued onto.
   */
  void append(Map<String, Object> record) throws IOException {
    String text = JsonWriter.write(record);
    byte[] line = (text + "\n").getBytes(StandardCharsets.UTF_8);
    if (halfLine) {
      cutHalfLine(file, Files.readAllBytes(file));
      halfLine = false;
    }
    try (FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      long size = ch.size();
      try {
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) {
          ch.write(buffer);
        }
        ch.force(true);
      } catch (IOException e) {
        try {
          ch.truncate(size);
          ch.force(true);
        } catch (IOException undo) {
          // Cut off before the next append instead (or by open() after a restart).
          halfLine = true;
          e.addSuppressed(undo);
        }
        throw e;
      }
    }
    records.add(Json.parseObject(text)); // held as it will be read back: numbers as Long
  }

  /** Removes the record at {@code index}, rewriting the file atomically. */
  void remove(int index) throws IOException {
    List<Map<String, Object>> kept = new ArrayList<>(records);
    kept.remove(index);
    StringBuilder text = new StringBuilder();
    for (Map<String, Object> r : kept) {
      text.append(JsonWriter.write(r)).append('\n');
    }
    AtomicFiles.writeString(file, text);
    records.remove(index);
  }

  Path file() {
    return file;
  }
}
