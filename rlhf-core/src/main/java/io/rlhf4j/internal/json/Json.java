package io.rlhf4j.internal.json;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;
import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One JSON document (one JSONL line) read into plain Java values by Gson's streaming reader in its
 * strict (RFC 8259) mode.
 *
 * <p>Values map to plain Java: objects to an unmodifiable {@code Map<String, Object>} in document
 * order, arrays to an unmodifiable {@code List<Object>}, strings to {@link String}, numbers to
 * {@link Double} (or {@link Long} when written without fraction or exponent and within range),
 * {@code true}/{@code false} to {@link Boolean} and {@code null} to {@link #NULL}. The readers need
 * these rather than Gson's tree so their errors can name the field and the expected type; what this
 * class adds to Gson is only what data files need refused and Gson accepts: duplicate field names,
 * numbers beyond a double, and lone surrogates. Errors carry the column.
 */
public final class Json {
  /** The JSON {@code null} literal; distinct from a missing field. */
  public static final Object NULL =
      new Object() {
        @Override
        public String toString() {
          return "null";
        }
      };

  /** The deepest nesting accepted; the reader is streaming, so depth costs no thread stack. */
  public static final int MAX_DEPTH = 512;

  private static final Pattern COLUMN = Pattern.compile("column (\\d+)");
  private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");
  private static final Object OPENED = new Object();

  private Json() {}

  /**
   * Parses one JSON value that spans all of {@code text} (surrounding whitespace allowed).
   *
   * @throws JsonParseException on malformed input, including trailing content
   */
  public static Object parse(String text) {
    JsonReader reader = new JsonReader(new StringReader(text));
    reader.setStrictness(Strictness.STRICT);
    reader.setNestingLimit(MAX_DEPTH);
    try {
      Object value = readValue(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw error(reader, "unexpected content after the JSON value");
      }
      return value;
    } catch (EOFException e) {
      throw error(reader, "unexpected end of input (truncated line?)");
    } catch (MalformedJsonException e) {
      throw new JsonParseException(describe(e.getMessage()), column(e.getMessage()));
    } catch (IOException e) {
      throw new JsonParseException(describe(e.getMessage()), column(reader.toString()));
    } catch (IllegalStateException | NumberFormatException e) {
      throw new JsonParseException(describe(e.getMessage()), column(reader.toString()));
    }
  }

  /** Parses {@code text} and requires the value to be an object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object value = parse(text);
    if (!(value instanceof Map)) {
      throw new JsonParseException("expected a JSON object but found " + typeName(value), 1);
    }
    return (Map<String, Object>) value;
  }

  /** A short human name for the JSON type of a parsed value, for error messages. */
  public static String typeName(Object value) {
    if (value == null) {
      return "nothing";
    } else if (value == NULL) {
      return "null";
    } else if (value instanceof String) {
      return "a string";
    } else if (value instanceof Number) {
      return "a number";
    } else if (value instanceof Boolean) {
      return "a boolean";
    } else if (value instanceof List) {
      return "an array";
    } else {
      return "an object";
    }
  }

  /** Reads one value with an explicit stack of open containers, as Gson's reader streams tokens. */
  private static Object readValue(JsonReader reader) throws IOException {
    Deque<Object> open = new ArrayDeque<>(); // Map or List being filled
    Deque<String> keys = new ArrayDeque<>(); // for each open Map, the key whose value comes next
    while (true) {
      Object value = readScalarOrOpen(reader, open);
      if (value == OPENED) {
        if (open.peek() instanceof Map<?, ?> && reader.peek() == JsonToken.NAME) {
          keys.push(checkText(reader, reader.nextName()));
          continue;
        }
        if (open.peek() instanceof List<?> && reader.peek() != JsonToken.END_ARRAY) {
          continue;
        }
        value = close(reader, open); // an empty container
      }
      while (true) {
        if (open.isEmpty()) {
          return value;
        }
        Object container = open.peek();
        if (container instanceof Map<?, ?>) {
          @SuppressWarnings("unchecked")
          Map<String, Object> map = (Map<String, Object>) container;
          String key = keys.pop();
          if (map.put(key, value) != null) {
            throw error(reader, "duplicate field \"" + key + "\"");
          }
          if (reader.peek() == JsonToken.NAME) {
            keys.push(checkText(reader, reader.nextName()));
            break;
          }
        } else {
          @SuppressWarnings("unchecked")
          List<Object> list = (List<Object>) container;
          list.add(value);
          if (reader.peek() != JsonToken.END_ARRAY) {
            break;
          }
        }
        value = close(reader, open);
      }
    }
  }

  private static Object readScalarOrOpen(JsonReader reader, Deque<Object> open) throws IOException {
    switch (reader.peek()) {
      case BEGIN_OBJECT -> {
        reader.beginObject();
        open.push(new LinkedHashMap<String, Object>());
        return OPENED;
      }
      case BEGIN_ARRAY -> {
        reader.beginArray();
        open.push(new ArrayList<Object>());
        return OPENED;
      }
      case STRING -> {
        return checkText(reader, reader.nextString());
      }
      case NUMBER -> {
        int column = column(reader.toString()); // where the number starts, for its error
        return number(column, reader.nextString());
      }
      case BOOLEAN -> {
        return reader.nextBoolean();
      }
      case NULL -> {
        reader.nextNull();
        return NULL;
      }
      default -> throw error(reader, "unexpected " + reader.peek());
    }
  }

  private static Object close(JsonReader reader, Deque<Object> open) throws IOException {
    Object container = open.pop();
    if (container instanceof Map<?, ?> map) {
      reader.endObject();
      return Collections.unmodifiableMap(map);
    }
    reader.endArray();
    return Collections.unmodifiableList((List<?>) container);
  }

  // A Long when the text is an integer within range, else a finite Double.
  private static Object number(int column, String text) {
    if (INTEGER.matcher(text).matches()) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException beyondLong) {
        // falls through to a double, as other JSON readers do
      }
    }
    double d = Double.parseDouble(text);
    if (!Double.isFinite(d)) {
      throw new JsonParseException("number out of range: " + text, column);
    }
    return d;
  }

  // Gson decodes \\ud800 without a partner into a lone surrogate; text with one is not UTF-8.
  private static String checkText(JsonReader reader, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        throw error(reader, "lone surrogate in a string");
      }
      if (Character.isLowSurrogate(c)) {
        throw error(reader, "lone surrogate in a string");
      }
    }
    return s;
  }

  private static JsonParseException error(JsonReader reader, String message) {
    return new JsonParseException(message, column(reader.toString()));
  }

  // Gson's messages end with " at line L column C path $.x" and a link; keep what went wrong.
  private static String describe(String message) {
    if (message == null || message.startsWith("Use JsonReader.setStrictness")) {
      return "unexpected character (not strict JSON)";
    }
    int at = message.indexOf(" at line ");
    String what = at >= 0 ? message.substring(0, at) : message;
    return message.startsWith("Unterminated") ? what + " (truncated line?)" : what;
  }

  private static int column(String text) {
    Matcher m = COLUMN.matcher(text == null ? "" : text);
    return m.find() ? Integer.parseInt(m.group(1)) : 1;
  }
}
