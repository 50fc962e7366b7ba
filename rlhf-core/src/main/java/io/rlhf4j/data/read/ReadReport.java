package io.rlhf4j.data.read;

import io.rlhf4j.data.DataFormatException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a reader saw: records accepted, records skipped, and the first few reasons for skipping, so
 * skipping is never silent.
 */
public final class ReadReport {
  private static final int KEPT_REASONS = 20;

  private long accepted;
  private long skipped;
  private final List<DataFormatException> firstProblems = new ArrayList<>();

  void accept() {
    accepted++;
  }

  void skip(DataFormatException problem) {
    skipped++;
    if (firstProblems.size() < KEPT_REASONS) {
      firstProblems.add(problem);
    }
  }

  /** Records returned to the caller. */
  public long accepted() {
    return accepted;
  }

  /** Records skipped as invalid (only in skip mode). */
  public long skipped() {
    return skipped;
  }

  /** Records seen, accepted or skipped. */
  public long records() {
    return accepted + skipped;
  }

  /** The first (up to 20) problems that caused a skip, in file order. */
  public List<DataFormatException> problems() {
    return Collections.unmodifiableList(firstProblems);
  }

  @Override
  public String toString() {
    return records() + " records: " + accepted + " accepted, " + skipped + " skipped";
  }
}
