package io.rlhf4j.djl.tokenize;

import com.google.common.collect.ImmutableMap;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.internal.json.JsonWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * llama2.c's tokenizer ({@code tokenizer.bin} / {@code tok512.bin}): sentencepiece-style BPE by
 * merge score, with byte fallback. Pure Java.
 *
 * <p>File: int32 max_token_length, then per token float32 score, int32 byte length, the bytes. Ids
 * 0 {@code <unk>}, 1 {@code <s>}, 2 {@code </s>}, then {@code <0x00>}..{@code <0xFF>} at 3..258.
 *
 * <p>The end-of-text token ({@link #eosId()}) is BOS, id 1: llama2.c trains on texts that each
 * begin with BOS and end with nothing, so its models end a story by starting the next one, and
 * {@code run.c} stops generating on BOS. {@code </s>} is in the vocabulary but those models never
 * emit it; a stories260K sample ends with id 1 after about 130 to 470 tokens.
 */
public final class Llama2cTokenizer implements SavableTokenizer, java.io.Serializable {
  private static final long serialVersionUID = 1L;

  private static final int BOS = 1;
  private static final int EOS = 2;
  private static final int BYTE_OFFSET = 3;

  // Token pieces as byte strings: one char per byte (ISO-8859-1), so any byte sequence is a key.
  private final String[] pieces;
  private final float[] scores;
  private final Map<String, Integer> ids = new HashMap<>();

  private Llama2cTokenizer(String[] pieces, float[] scores) {
    this.pieces = pieces;
    this.scores = scores;
    for (int i = pieces.length - 1; i >= 0; i--) {
      ids.put(pieces[i], i); // lowest id wins on duplicates
    }
  }

  /** Reads a llama2.c tokenizer file with {@code vocabSize} tokens. */
  public static Llama2cTokenizer load(Path file, int vocabSize) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ModelFormatException(file, "cannot read tokenizer: " + e.getMessage(), e);
    }
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    String[] pieces = new String[vocabSize];
    float[] scores = new float[vocabSize];
    try {
      in.getInt(); // max_token_length, not needed
      for (int i = 0; i < vocabSize; i++) {
        scores[i] = in.getFloat();
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
          throw new ModelFormatException(file, "token " + i + " has a bad length " + length);
        }
        byte[] piece = new byte[length];
        in.get(piece);
        pieces[i] = new String(piece, StandardCharsets.ISO_8859_1);
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw new ModelFormatException(
          file, "truncated: fewer than the " + vocabSize + " tokens the model needs", e);
    }
    if (in.hasRemaining()) {
      throw new ModelFormatException(
          file, in.remaining() + " bytes after " + vocabSize + " tokens: vocabulary size mismatch");
    }
    return new Llama2cTokenizer(pieces, scores);
  }

  @Override
  public int[] encode(String text, boolean addBos) {
    List<Integer> tokens = new ArrayList<>();
    if (addBos) {
      tokens.add(BOS);
    }
    if (!text.isEmpty()) {
      tokens.add(ids.get(" ")); // sentencepiece's dummy prefix
    }
    String bytes = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    int i = 0;
    while (i < bytes.length()) {
      int length = utf8Length(bytes.charAt(i));
      int end = Math.min(bytes.length(), i + length);
      Integer id = ids.get(bytes.substring(i, end));
      if (id != null) {
        tokens.add(id);
      } else {
        for (int j = i; j < end; j++) {
          tokens.add(BYTE_OFFSET + bytes.charAt(j));
        }
      }
      i = end;
    }
    int first = addBos ? 1 : 0;
    return merge(tokens.stream().mapToInt(Integer::intValue).toArray(), first);
  }

  /**
   * Repeatedly merges the adjacent pair whose concatenation is the highest-scoring token (the
   * leftmost on ties), as llama2.c does, in O(n log n): a priority queue of candidate pairs over a
   * linked list of symbols, with stale candidates skipped when popped.
   */
  private int[] merge(int[] ids, int first) {
    int n = ids.length;
    int[] next = new int[n];
    int[] prev = new int[n];
    boolean[] alive = new boolean[n];
    for (int i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
      alive[i] = i >= first;
    }
    if (first < n) {
      prev[first] = -1;
    }
    // Candidate: {left position, merged id, left id, right id}, best score first, then leftmost.
    java.util.PriorityQueue<int[]> queue =
        new java.util.PriorityQueue<>(
            (a, b) -> {
              int byScore = Float.compare(scores[b[1]], scores[a[1]]);
              return byScore != 0 ? byScore : Integer.compare(a[0], b[0]);
            });
    for (int i = first; i + 1 < n; i++) {
      offer(queue, ids, i, i + 1);
    }
    while (!queue.isEmpty()) {
      int[] c = queue.poll();
      int left = c[0];
      int right = alive[left] ? next[left] : -1;
      if (right < 0 || ids[left] != c[2] || ids[right] != c[3]) {
        continue; // stale: one side has merged since this candidate was queued
      }
      ids[left] = c[1];
      alive[right] = false;
      next[left] = next[right];
      if (next[right] >= 0) {
        prev[next[right]] = left;
      }
      if (prev[left] >= 0) {
        offer(queue, ids, prev[left], left);
      }
      if (next[left] >= 0) {
        offer(queue, ids, left, next[left]);
      }
    }
    int[] out = new int[n];
    int count = 0;
    for (int i = 0; i < first; i++) {
      out[count++] = ids[i];
    }
    for (int i = first; i >= 0 && i < n; i = next[i]) {
      out[count++] = ids[i];
    }
    return java.util.Arrays.copyOf(out, count);
  }

  private void offer(java.util.PriorityQueue<int[]> queue, int[] ids, int left, int right) {
    Integer merged = this.ids.get(pieces[ids[left]] + pieces[ids[right]]);
    if (merged != null) {
      queue.add(new int[] {left, merged, ids[left], ids[right]});
    }
  }

  private static int utf8Length(char lead) {
    if (lead < 0x80) {
      return 1;
    } else if ((lead & 0xE0) == 0xC0) {
      return 2;
    } else if ((lead & 0xF0) == 0xE0) {
      return 3;
    } else if ((lead & 0xF8) == 0xF0) {
      return 4;
    }
    return 1; // a stray continuation byte stands alone
  }

  @Override
  public String decode(int[] tokens) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int previous = -1;
    for (int id : tokens) {
      if (id == BOS || id == EOS || id == 0) {
        previous = id;
        continue;
      }
      String piece = pieces[id];
      if (previous == BOS && piece.startsWith(" ")) {
        piece = piece.substring(1);
      }
      if (id >= BYTE_OFFSET && id < BYTE_OFFSET + 256) {
        out.write(id - BYTE_OFFSET);
      } else {
        out.writeBytes(piece.getBytes(StandardCharsets.ISO_8859_1));
      }
      previous = id;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The raw piece of one id as UTF-8 text (byte tokens as {@code <0xNN>}). */
  public String piece(int id) {
    return new String(pieces[id].getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
  }

  /**
   * The equivalent Hugging Face tokenizer: a BPE model with byte fallback over the same pieces
   * (spaces as U+2581), and merges derived from the scores the way {@code transformers}'
   * sentencepiece converter derives them: every split of a piece into two pieces, ranked by the
   * merged piece's score.
   */
  @Override
  public String tokenizerJson() {
    Map<String, Object> vocab = new LinkedHashMap<>();
    for (int i = 0; i < pieces.length; i++) {
      vocab.putIfAbsent(hfPiece(i), i);
    }
    record Merge(String left, String right, float score, int id) {}
    List<Merge> merges = new ArrayList<>();
    for (int id = BYTE_OFFSET + 256; id < pieces.length; id++) {
      String piece = piece(id);
      for (int k = piece.offsetByCodePoints(0, 1);
          k < piece.length();
          k = piece.offsetByCodePoints(k, 1)) {
        String left = piece.substring(0, k);
        String right = piece.substring(k);
        Integer l = ids.get(raw(left));
        Integer r = ids.get(raw(right));
        if (l != null && r != null && l >= BYTE_OFFSET + 256 && r >= BYTE_OFFSET + 256) {
          merges.add(new Merge(hf(left), hf(right), scores[id], id));
        }
      }
    }
    merges.sort(Comparator.comparingDouble((Merge m) -> -m.score()).thenComparingInt(Merge::id));
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", "BPE");
    model.put("dropout", null);
    model.put("unk_token", "<unk>");
    model.put("continuing_subword_prefix", null);
    model.put("end_of_word_suffix", null);
    model.put("fuse_unk", true);
    model.put("byte_fallback", true);
    model.put("vocab", vocab);
    model.put("merges", merges.stream().map(m -> m.left() + " " + m.right()).toList());
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("version", "1.0");
    json.put("truncation", null);
    json.put("padding", null);
    json.put(
        "added_tokens",
        List.of(
            AddedToken.special(0, "<unk>", false),
            AddedToken.special(BOS, "<s>", false),
            AddedToken.special(EOS, "</s>", false)));
    json.put(
        "normalizer",
        ImmutableMap.of(
            "type",
            "Sequence",
            "normalizers",
            List.of(
                ImmutableMap.of("type", "Prepend", "prepend", "\u2581"),
                ImmutableMap.of(
                    "type",
                    "Replace",
                    "pattern",
                    ImmutableMap.of("String", " "),
                    "content",
                    "\u2581"))));
    json.put("pre_tokenizer", null);
    json.put(
        "post_processor",
        ImmutableMap.of(
            "type",
            "TemplateProcessing",
            "single",
            List.of(
                ImmutableMap.of("SpecialToken", ImmutableMap.of("id", "<s>", "type_id", 0)),
                ImmutableMap.of("Sequence", ImmutableMap.of("id", "A", "type_id", 0))),
            "pair",
            List.of(
                ImmutableMap.of("SpecialToken", ImmutableMap.of("id", "<s>", "type_id", 0)),
                ImmutableMap.of("Sequence", ImmutableMap.of("id", "A", "type_id", 0)),
                ImmutableMap.of("SpecialToken", ImmutableMap.of("id", "<s>", "type_id", 1)),
                ImmutableMap.of("Sequence", ImmutableMap.of("id", "B", "type_id", 1))),
            "special_tokens",
            ImmutableMap.of(
                "<s>",
                ImmutableMap.of("id", "<s>", "ids", List.of(BOS), "tokens", List.of("<s>")))));
    json.put(
        "decoder",
        ImmutableMap.of(
            "type",
            "Sequence",
            "decoders",
            List.of(
                ImmutableMap.of(
                    "type",
                    "Replace",
                    "pattern",
                    ImmutableMap.of("String", "\u2581"),
                    "content",
                    " "),
                ImmutableMap.of("type", "ByteFallback"),
                ImmutableMap.of("type", "Fuse"),
                ImmutableMap.of("type", "Strip", "content", " ", "start", 1, "stop", 0))));
    json.put("model", model);
    return JsonWriter.write(json) + "\n";
  }

  private String hfPiece(int id) {
    return id < BYTE_OFFSET + 256 ? piece(id) : hf(piece(id));
  }

  private static String hf(String piece) {
    return piece.replace(' ', '\u2581');
  }

  private static String raw(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }

  @Override
  public int vocabSize() {
    return pieces.length;
  }

  @Override
  public OptionalInt bosId() {
    return OptionalInt.of(BOS);
  }

  @Override
  public OptionalInt eosId() {
    return OptionalInt.of(BOS);
  }
}
