package io.rlhf4j.data.read;

import io.rlhf4j.data.ChatMessage;
import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * One JSONL line parsed as an object, with typed field access whose errors name the file, the line
 * and the field.
 */
public final class JsonRecord {
  private final Path file;
  private final long line;
  private final Map<String, Object> fields;

  private JsonRecord(Path file, long line, Map<String, Object> fields) {
    this.file = file;
    this.line = line;
    this.fields = fields;
  }

  /** Parses {@code text} as a JSON object, reporting malformed JSON at {@code file:line}. */
  public static JsonRecord parse(Path file, long line, String text) {
    Object value;
    try {
      value = Json.parse(text);
    } catch (JsonParseException e) {
      throw new DataFormatException(file, line, null, "invalid JSON: " + e.getMessage(), e);
    }
    if (!(value instanceof Map)) {
      throw new DataFormatException(
          file, line, null, "expected a JSON object but found " + Json.typeName(value));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) value;
    return new JsonRecord(file, line, map);
  }

  /** A required string field. */
  public String string(String field) {
    Object value = require(field);
    if (!(value instanceof String s)) {
      throw wrongType(field, "a string", value);
    }
    return s;
  }

  /** A required string field that must not be empty. */
  public String nonEmptyString(String field) {
    String s = string(field);
    if (s.isEmpty()) {
      throw error(field, "must not be empty");
    }
    return s;
  }

  /** An optional finite number; absent or JSON null gives empty. */
  public OptionalDouble optionalNumber(String field) {
    Object value = fields.get(field);
    if (value == null || value == Json.NULL) {
      return OptionalDouble.empty();
    }
    if (!(value instanceof Number n)) {
      throw wrongType(field, "a number", value);
    }
    if (!Double.isFinite(n.doubleValue())) {
      throw error(field, "must be a finite number, got " + n);
    }
    return OptionalDouble.of(n.doubleValue());
  }

  /** A required boolean. */
  public boolean bool(String field) {
    if (!has(field)) {
      throw error(field, "missing (true or false expected)");
    }
    return optionalBoolean(field, false);
  }

  /** An optional boolean; absent or JSON null gives {@code fallback}. */
  public boolean optionalBoolean(String field, boolean fallback) {
    Object value = fields.get(field);
    if (value == null || value == Json.NULL) {
      return fallback;
    }
    if (!(value instanceof Boolean b)) {
      throw wrongType(field, "true or false", value);
    }
    return b;
  }

  /**
   * An optional array of {@code size} booleans; absent or JSON null gives {@code size} times {@code
   * fallback}.
   */
  public List<Boolean> optionalBooleans(String field, int size, boolean fallback) {
    Object value = fields.get(field);
    if (value == null || value == Json.NULL) {
      return java.util.Collections.nCopies(size, fallback);
    }
    List<?> list = array(field);
    if (list.size() != size) {
      throw error(field, "has " + list.size() + " entries, expected " + size);
    }
    List<Boolean> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      if (!(list.get(i) instanceof Boolean b)) {
        throw wrongType(field + "[" + i + "]", "true or false", list.get(i));
      }
      out.add(b);
    }
    return out;
  }

  /** A required array of strings, which may be empty strings. */
  public List<String> strings(String field) {
    List<?> list = array(field);
    List<String> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof String s)) {
        throw wrongType(field + "[" + i + "]", "a string", list.get(i));
      }
      out.add(s);
    }
    return out;
  }

  /**
   * A required, non-empty array of chat messages, each an object with a string {@code role} and a
   * string {@code content} (Hugging Face's and OpenAI's {@code messages}).
   */
  public List<ChatMessage> messages(String field) {
    List<?> list = array(field);
    if (list.isEmpty()) {
      throw error(field, "has no messages");
    }
    List<ChatMessage> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String at = field + "[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> m)) {
        throw wrongType(at, "an object with role and content", list.get(i));
      }
      if (!(m.get("role") instanceof String role) || role.isBlank()) {
        throw error(at + ".role", "expected a role such as user or assistant");
      }
      if (m.get("content") == null) {
        throw error(at + ".content", "is missing");
      }
      if (!(m.get("content") instanceof String content)) {
        throw wrongType(at + ".content", "a string", m.get("content"));
      }
      out.add(new ChatMessage(role, content));
    }
    return out;
  }

  /**
   * A required array of episodes, each an array of turns {@code {"text": string, "policy":
   * boolean}} (the policy's turns and the environment's, in order), as the run's {@code
   * samples.jsonl} writes them.
   */
  public List<List<EpisodeDemonstration.Turn>> episodes(String field) {
    List<?> list = array(field);
    List<List<EpisodeDemonstration.Turn>> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String at = field + "[" + i + "]";
      if (!(list.get(i) instanceof List<?> turns) || turns.isEmpty()) {
        throw wrongType(at, "a non-empty list of turns", list.get(i));
      }
      List<EpisodeDemonstration.Turn> episode = new ArrayList<>(turns.size());
      for (int j = 0; j < turns.size(); j++) {
        String turn = at + "[" + j + "]";
        if (!(turns.get(j) instanceof Map<?, ?> m)) {
          throw wrongType(turn, "an object with text and policy", turns.get(j));
        }
        if (!(m.get("text") instanceof String text)) {
          throw wrongType(turn + ".text", "a string", m.get("text"));
        }
        if (!(m.get("policy") instanceof Boolean policy)) {
          throw wrongType(turn + ".policy", "true or false", m.get("policy"));
        }
        episode.add(new EpisodeDemonstration.Turn(text, policy));
      }
      out.add(episode);
    }
    return out;
  }

  /** Whether the record has {@code field}, null or not. */
  public boolean has(String field) {
    return fields.containsKey(field);
  }

  /** A required integer field. */
  public long integer(String field) {
    Object value = require(field);
    if (!(value instanceof Long l)) {
      throw wrongType(field, "an integer", value);
    }
    return l;
  }

  /** A required array of integers. */
  public List<Integer> integers(String field) {
    List<?> list = array(field);
    List<Integer> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      Object item = list.get(i);
      if (!(item instanceof Long l) || l > Integer.MAX_VALUE || l < Integer.MIN_VALUE) {
        throw wrongType(field + "[" + i + "]", "an integer", item);
      }
      out.add((int) (long) l);
    }
    return out;
  }

  private List<?> array(String field) {
    Object value = require(field);
    if (!(value instanceof List<?> list)) {
      throw wrongType(field, "an array", value);
    }
    return list;
  }

  private Object require(String field) {
    Object value = fields.get(field);
    if (value == null) {
      throw error(field, "is missing");
    }
    if (value == Json.NULL) {
      throw error(field, "is null");
    }
    return value;
  }

  /** An error at this record's file and line, for {@code field}. */
  public DataFormatException error(String field, String problem) {
    return new DataFormatException(file, line, field, problem);
  }

  private DataFormatException wrongType(String field, String expected, Object found) {
    return error(field, "expected " + expected + " but found " + Json.typeName(found));
  }
}
