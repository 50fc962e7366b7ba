package io.rlhf4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident memory, read from {@code /proc/self/status} (Linux). */
final class Memory {
  private Memory() {}

  /** The resident set now, MB. */
  static double residentMb() throws IOException {
    return read("VmRSS:");
  }

  /** The largest resident set since the process started, MB. */
  static double peakResidentMb() throws IOException {
    return read("VmHWM:");
  }

  private static double read(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    throw new IOException("no " + field + " in /proc/self/status");
  }
}
