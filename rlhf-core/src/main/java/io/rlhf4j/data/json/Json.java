package io.rlhf4j.data.json;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 JSON parser for one document (one JSONL line).
 *
 * <p>rlhf-core carries no JSON library, so that an application can embed it next to whatever JSON
 * stack it already has. Values map to plain Java: objects to an unmodifiable {@code Map<String,
 * Object>} in document order, arrays to an unmodifiable {@code List<Object>}, strings to {@link
 * String}, numbers to {@link Double} (or {@link Long} when written without fraction or exponent and
 * within range), {@code true}/{@code false} to {@link Boolean} and {@code null} to {@link #NULL}.
 * Errors carry the column, so readers can point at the exact spot in a file.
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

  private static final int MAX_DEPTH = 512;
  private static final String TRUNCATED = "unexpected end of input (truncated line?)";
  private static final Object OPENED = new Object();

  private final String text;
  private int pos;
  private int depth;

  private Json(String text) {
    this.text = text;
  }

  /**
   * Parses one JSON value that spans all of {@code text} (surrounding whitespace allowed).
   *
   * @throws JsonParseException on malformed input, including trailing content
   */
  public static Object parse(String text) {
    Json parser = new Json(text);
    parser.skipWhitespace();
    Object value = parser.readValue();
    parser.skipWhitespace();
    if (parser.pos != text.length()) {
      throw parser.error("unexpected content after the JSON value");
    }
    return value;
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

  /**
   * Reads one value with an explicit stack of open containers rather than recursion, so the depth a
   * document may nest to does not depend on the thread's stack size (a pooled thread with a small
   * stack parses the same documents as the main thread).
   */
  private Object readValue() {
    Deque<Object> open = new ArrayDeque<>(); // Map or List being filled
    Deque<String> keys = new ArrayDeque<>(); // for each open Map, the key whose value comes next
    while (true) {
      Object value = readScalarOrOpen(open, keys);
      if (value == OPENED) {
        continue; // a container was opened and its first element is next
      }
      // Attach the finished value to its container; close containers that end here.
      while (true) {
        if (open.isEmpty()) {
          return value;
        }
        Object container = open.peek();
        skipWhitespace();
        if (container instanceof Map<?, ?>) {
          @SuppressWarnings("unchecked")
          Map<String, Object> map = (Map<String, Object>) container;
          String key = keys.pop();
          if (map.put(key, value) != null) {
            throw error("duplicate field \"" + key + "\"");
          }
          skipWhitespace();
          char c = peek();
          if (c == ',') {
            pos++;
            keys.push(readKey());
            break;
          } else if (c == '}') {
            pos++;
            open.pop();
            depth--;
            value = Collections.unmodifiableMap(map);
          } else {
            throw error(atEnd() ? TRUNCATED : "expected ',' or '}'");
          }
        } else {
          @SuppressWarnings("unchecked")
          List<Object> list = (List<Object>) container;
          list.add(value);
          char c = peek();
          if (c == ',') {
            pos++;
            break;
          } else if (c == ']') {
            pos++;
            open.pop();
            depth--;
            value = Collections.unmodifiableList(list);
          } else {
            throw error(atEnd() ? TRUNCATED : "expected ',' or ']'");
          }
        }
      }
    }
  }

  // A scalar, an empty container, or OPENED after pushing a non-empty container.
  private Object readScalarOrOpen(Deque<Object> open, Deque<String> keys) {
    skipWhitespace();
    if (atEnd()) {
      throw error(TRUNCATED);
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        enter();
        pos++;
        skipWhitespace();
        if (peek() == '}') {
          pos++;
          depth--;
          return Collections.unmodifiableMap(new LinkedHashMap<>());
        }
        open.push(new LinkedHashMap<String, Object>());
        keys.push(readKey());
        return OPENED;
      case '[':
        enter();
        pos++;
        skipWhitespace();
        if (peek() == ']') {
          pos++;
          depth--;
          return Collections.unmodifiableList(new ArrayList<>());
        }
        open.push(new ArrayList<Object>());
        return OPENED;
      case '"':
        return readString();
      case 't':
        return readLiteral("true", Boolean.TRUE);
      case 'f':
        return readLiteral("false", Boolean.FALSE);
      case 'n':
        return readLiteral("null", NULL);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return readNumber();
        }
        throw error("unexpected character '" + printable(c) + "'");
    }
  }

  // A field name and its colon.
  private String readKey() {
    skipWhitespace();
    if (peek() != '"') {
      throw error(atEnd() ? TRUNCATED : "expected a field name");
    }
    String key = readString();
    skipWhitespace();
    expect(':');
    return key;
  }

  private boolean atEnd() {
    return pos >= text.length();
  }

  private String readString() {
    pos++; // opening quote
    StringBuilder sb = null;
    int start = pos;
    while (true) {
      if (pos >= text.length()) {
        throw error("unterminated string (truncated line?)");
      }
      char c = text.charAt(pos);
      if (c == '"') {
        String s = sb == null ? text.substring(start, pos) : sb.append(text, start, pos).toString();
        pos++;
        return s;
      }
      if (c < 0x20) {
        throw error("unescaped control character in string");
      }
      if (c == '\\') {
        if (sb == null) {
          sb = new StringBuilder();
        }
        sb.append(text, start, pos);
        pos++;
        sb.append(readEscape());
        start = pos;
      } else {
        pos++;
      }
    }
  }

  private String readEscape() {
    if (pos >= text.length()) {
      throw error("unterminated escape (truncated line?)");
    }
    char c = text.charAt(pos++);
    switch (c) {
      case '"':
        return "\"";
      case '\\':
        return "\\";
      case '/':
        return "/";
      case 'b':
        return "\b";
      case 'f':
        return "\f";
      case 'n':
        return "\n";
      case 'r':
        return "\r";
      case 't':
        return "\t";
      case 'u':
        char unit = readHex4();
        if (Character.isHighSurrogate(unit)) {
          // A character outside the BMP arrives as two escapes; a half alone is not text.
          if (!text.startsWith("\\u", pos)) {
            throw error("lone surrogate in \\u escape");
          }
          pos += 2;
          char low = readHex4();
          if (!Character.isLowSurrogate(low)) {
            throw error("lone surrogate in \\u escape");
          }
          return new String(new char[] {unit, low});
        }
        if (Character.isLowSurrogate(unit)) {
          throw error("lone surrogate in \\u escape");
        }
        return String.valueOf(unit);
      default:
        pos--;
        throw error("invalid escape '\\" + printable(c) + "'");
    }
  }

  // Four hexadecimal digits, ASCII only (Character.digit would also take Arabic-Indic digits).
  private char readHex4() {
    if (pos + 4 > text.length()) {
      throw error("truncated \\u escape");
    }
    int code = 0;
    for (int i = 0; i < 4; i++) {
      char h = text.charAt(pos + i);
      int digit =
          h >= '0' && h <= '9'
              ? h - '0'
              : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
      if (digit < 0) {
        throw error("invalid hex digit in \\u escape");
      }
      code = code * 16 + digit;
    }
    pos += 4;
    return (char) code;
  }

  private Object readNumber() {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
    } else if (isDigit(peek())) {
      while (isDigit(peek())) {
        pos++;
      }
    } else {
      throw error("invalid number");
    }
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      pos++;
      if (!isDigit(peek())) {
        throw error("expected a digit after '.'");
      }
      while (isDigit(peek())) {
        pos++;
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!isDigit(peek())) {
        throw error("expected a digit in the exponent");
      }
      while (isDigit(peek())) {
        pos++;
      }
    }
    String literal = text.substring(start, pos);
    if (integral) {
      try {
        return Long.parseLong(literal); // every integer a long holds, seeds included, exactly
      } catch (NumberFormatException beyondLong) {
        // Falls through to a double, as JavaScript would read it.
      }
    }
    double value = Double.parseDouble(literal);
    if (Double.isInfinite(value)) {
      // 1e999 would become Infinity and slip past every "is it >= 0" check downstream.
      pos = start;
      throw error("number out of range");
    }
    return value;
  }

  private Object readLiteral(String word, Object value) {
    if (!text.startsWith(word, pos)) {
      throw error(
          pos + word.length() > text.length()
              ? "unexpected end of input (truncated line?)"
              : "invalid literal, expected " + word);
    }
    pos += word.length();
    return value;
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH);
    }
  }

  private void expect(char c) {
    if (peek() != c) {
      throw error(
          pos >= text.length()
              ? "unexpected end of input (truncated line?)"
              : "expected '" + c + "'");
    }
    pos++;
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static String printable(char c) {
    return c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c);
  }

  private JsonParseException error(String message) {
    return new JsonParseException(message, pos + 1);
  }
}
