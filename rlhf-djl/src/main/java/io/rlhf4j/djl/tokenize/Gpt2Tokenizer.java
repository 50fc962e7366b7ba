package io.rlhf4j.djl.tokenize;

import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import io.rlhf4j.internal.json.JsonWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level BPE (Radford et al. 2019), in pure Java: text is split by GPT-2's regex, each
 * piece's UTF-8 bytes are mapped to printable characters, and adjacent symbols are merged by merge
 * rank. Reads OpenAI's {@code encoder.json} + {@code vocab.bpe} (the same files as Hugging Face's
 * {@code vocab.json} + {@code merges.txt}).
 */
public final class Gpt2Tokenizer implements SavableTokenizer, java.io.Serializable {
  private static final long serialVersionUID = 1L;

  private static final Pattern SPLIT =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
  private static final String END_OF_TEXT = "<|endoftext|>";

  private final Map<String, Integer> encoder;
  private final String[] decoder;
  private final Map<String, Integer> ranks = new HashMap<>();
  private final List<String> merges;
  private final char[] byteToChar = new char[256];
  private final Map<Character, Integer> charToByte = new HashMap<>();
  private final Map<String, int[]> cache = new HashMap<>();
  private final int endOfText;
  // GPT-2's tokenizer adds nothing in front of a text unless tokenizer_config.json says
  // add_bos_token (transformers' default for GPT2Tokenizer is false).
  private final boolean addsBos;

  private Gpt2Tokenizer(Map<String, Integer> encoder, List<String> merges, boolean addsBos) {
    this.addsBos = addsBos;
    this.encoder = encoder;
    this.merges = merges;
    this.decoder =
        new String[encoder.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
    encoder.forEach((token, id) -> decoder[id] = token);
    for (int i = 0; i < merges.size(); i++) {
      ranks.put(merges.get(i), i);
    }
    // GPT-2's reversible byte -> printable character table.
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      byteToChar[b] = printable ? (char) b : (char) (256 + extra++);
      charToByte.put(byteToChar[b], b);
    }
    this.endOfText = encoder.getOrDefault(END_OF_TEXT, -1);
  }

  /**
   * Loads from a folder holding {@code encoder.json} + {@code vocab.bpe} (OpenAI) or {@code
   * vocab.json} + {@code merges.txt} (Hugging Face).
   */
  public static Gpt2Tokenizer load(Path folder) {
    Path vocab = folder.resolve("encoder.json");
    Path mergeFile = folder.resolve("vocab.bpe");
    if (!Files.exists(vocab)) {
      vocab = folder.resolve("vocab.json");
      mergeFile = folder.resolve("merges.txt");
    }
    Map<String, Integer> encoder = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Object> e : Json.parseObject(Files.readString(vocab)).entrySet()) {
        if (!(e.getValue() instanceof Long id)) {
          throw new ModelFormatException(vocab, "token '" + e.getKey() + "' has no integer id");
        }
        encoder.put(e.getKey(), id.intValue());
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ModelFormatException(folder, "no encoder.json or vocab.json");
    } catch (IOException e) {
      throw new ModelFormatException(vocab, "cannot read: " + e.getMessage(), e);
    } catch (JsonParseException e) {
      throw new ModelFormatException(vocab, "invalid JSON: " + e.getMessage(), e);
    }
    List<String> merges = new ArrayList<>();
    try {
      List<String> lines = Files.readAllLines(mergeFile, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.startsWith("#version") || line.isBlank()) {
          continue;
        }
        if (line.split(" ").length != 2) {
          throw new ModelFormatException(mergeFile, "line " + (i + 1) + ": expected two symbols");
        }
        merges.add(line);
      }
    } catch (IOException e) {
      throw new ModelFormatException(mergeFile, "cannot read: " + e.getMessage(), e);
    }
    boolean addsBos =
        TokenizerConfig.read(folder).flatMap(c -> c.flag("add_bos_token")).orElse(false);
    return new Gpt2Tokenizer(encoder, merges, addsBos);
  }

  @Override
  public int[] encode(String text, boolean addBos) {
    List<Integer> ids = new ArrayList<>();
    if (addBos && addsBos && endOfText >= 0) {
      ids.add(endOfText);
    }
    Matcher m = SPLIT.matcher(text);
    while (m.find()) {
      StringBuilder mapped = new StringBuilder();
      for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
        mapped.append(byteToChar[b & 0xff]);
      }
      for (int id : bpe(mapped.toString())) {
        ids.add(id);
      }
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  private int[] bpe(String word) {
    int[] cached = cache.get(word);
    if (cached != null) {
      return cached;
    }
    List<String> symbols = new ArrayList<>();
    word.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
    while (symbols.size() > 1) {
      int bestRank = Integer.MAX_VALUE;
      int bestAt = -1;
      for (int i = 0; i + 1 < symbols.size(); i++) {
        Integer rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
        if (rank != null && rank < bestRank) {
          bestRank = rank;
          bestAt = i;
        }
      }
      if (bestAt < 0) {
        break;
      }
      String left = symbols.get(bestAt);
      String right = symbols.get(bestAt + 1);
      // Merge every occurrence of this pair, left to right, as GPT-2's reference does.
      List<String> merged = new ArrayList<>();
      for (int i = 0; i < symbols.size(); i++) {
        if (i + 1 < symbols.size()
            && symbols.get(i).equals(left)
            && symbols.get(i + 1).equals(right)) {
          merged.add(left + right);
          i++;
        } else {
          merged.add(symbols.get(i));
        }
      }
      symbols.clear();
      symbols.addAll(merged);
    }
    int[] ids = new int[symbols.size()];
    for (int i = 0; i < ids.length; i++) {
      Integer id = encoder.get(symbols.get(i));
      if (id == null) {
        throw new IllegalStateException("symbol '" + symbols.get(i) + "' is not in the vocabulary");
      }
      ids[i] = id;
    }
    if (cache.size() < 100_000) {
      cache.put(word, ids);
    }
    return ids;
  }

  @Override
  public String decode(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int id : ids) {
      if (id == endOfText) {
        continue;
      }
      for (char c : decoder[id].toCharArray()) {
        out.write(charToByte.get(c));
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Override
  public int vocabSize() {
    return decoder.length;
  }

  @Override
  public OptionalInt bosId() {
    return endOfText >= 0 ? OptionalInt.of(endOfText) : OptionalInt.empty();
  }

  @Override
  public OptionalInt eosId() {
    return bosId();
  }

  /** The equivalent Hugging Face byte-level BPE {@code tokenizer.json}. */
  @Override
  public String tokenizerJson() {
    Map<String, Object> byteLevel = new LinkedHashMap<>();
    byteLevel.put("type", "ByteLevel");
    byteLevel.put("add_prefix_space", false);
    byteLevel.put("trim_offsets", true);
    byteLevel.put("use_regex", true);
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", "BPE");
    model.put("dropout", null);
    model.put("unk_token", null);
    model.put("continuing_subword_prefix", "");
    model.put("end_of_word_suffix", "");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("vocab", new LinkedHashMap<String, Object>(encoder));
    model.put("merges", merges);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("version", "1.0");
    json.put("truncation", null);
    json.put("padding", null);
    List<Object> added = new ArrayList<>();
    if (endOfText >= 0) {
      added.add(AddedToken.special(endOfText, END_OF_TEXT, true));
    }
    json.put("added_tokens", added);
    json.put("normalizer", null);
    json.put("pre_tokenizer", byteLevel);
    json.put("post_processor", byteLevel);
    json.put("decoder", byteLevel);
    json.put("model", model);
    return JsonWriter.write(json) + "\n";
  }
}
