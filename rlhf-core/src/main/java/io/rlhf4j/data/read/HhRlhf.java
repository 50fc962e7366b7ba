package io.rlhf4j.data.read;

import io.rlhf4j.data.Comparison;
import io.rlhf4j.data.DataFormatException;
import java.nio.file.Path;

/**
 * Anthropic's HH-RLHF transcripts (Bai et al. 2022): each line {@code {"chosen", "rejected"}} holds
 * two whole dialogues that share every turn but the last Assistant reply.
 *
 * <p>The prompt is everything up to and including the last {@code "\n\nAssistant:"}; the response
 * is the rest, kept verbatim (with its leading space) so that prompt + response reproduces the
 * transcript exactly. A pair whose two prompts differ is a format error (the published test splits
 * hold a few, where one side carries an extra Assistant turn): training on it would compare replies
 * to different conversations. Empty replies are kept: "the assistant said nothing" is a real,
 * dispreferred behaviour that the raters judged.
 */
public final class HhRlhf {
  /** The separator that opens each assistant turn. */
  public static final String ASSISTANT = "\n\nAssistant:";

  private HhRlhf() {}

  /** Streams the comparisons of one HH-RLHF file (gzip or plain JSONL). */
  public static RecordReader<Comparison> comparisons(Path file, ReadOptions options) {
    return RecordReader.open(file, options, HhRlhf::parse);
  }

  private static Comparison parse(Path file, long line, String text) {
    JsonRecord r = JsonRecord.parse(file, line, text);
    String chosen = r.string("chosen");
    String rejected = r.string("rejected");
    int splitChosen = promptEnd(r, "chosen", chosen);
    int splitRejected = promptEnd(r, "rejected", rejected);
    String prompt = chosen.substring(0, splitChosen);
    if (splitChosen != splitRejected || !rejected.startsWith(prompt)) {
      int at = firstDifference(prompt, rejected.substring(0, splitRejected));
      throw new DataFormatException(
          file,
          line,
          "rejected",
          "its prompt (up to the last '\\n\\nAssistant:') differs from that of 'chosen' at"
              + " character "
              + at
              + "; the two replies answer different conversations");
    }
    return Comparison.of(prompt, chosen.substring(splitChosen), rejected.substring(splitRejected));
  }

  private static int promptEnd(JsonRecord r, String field, String transcript) {
    int at = transcript.lastIndexOf(ASSISTANT);
    if (at < 0) {
      throw r.error(field, "has no '\\n\\nAssistant:' turn");
    }
    return at + ASSISTANT.length();
  }

  private static int firstDifference(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      if (a.charAt(i) != b.charAt(i)) {
        return i;
      }
    }
    return n;
  }
}
