package io.rlhf4j.data.json;

import java.util.List;
import java.util.Map;

/**
 * Writes plain Java values ({@link Map}, {@link List}, {@link String}, {@link Number}, {@link
 * Boolean}, {@code null}) as compact JSON, the inverse of {@link Json#parse}.
 *
 * <p>Non-finite doubles have no JSON spelling; they are written as {@code null} rather than
 * producing a file other tools refuse.
 */
public final class JsonWriter {
  private JsonWriter() {}

  /** One value as compact JSON text. */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    append(sb, value);
    return sb.toString();
  }

  /** Appends one value as compact JSON to {@code sb}. */
  public static void append(StringBuilder sb, Object value) {
    if (value == null || value == Json.NULL) {
      sb.append("null");
    } else if (value instanceof String s) {
      appendString(sb, s);
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        sb.append("null");
      } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        sb.append((long) d).append(".0");
      } else {
        sb.append(d);
      }
    } else if (value instanceof Number || value instanceof Boolean) {
      sb.append(value);
    } else if (value instanceof Map<?, ?> map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        appendString(sb, String.valueOf(e.getKey()));
        sb.append(':');
        append(sb, e.getValue());
      }
      sb.append('}');
    } else if (value instanceof Iterable<?> list) {
      sb.append('[');
      boolean first = true;
      for (Object item : list) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        append(sb, item);
      }
      sb.append(']');
    } else if (value instanceof int[] ints) {
      sb.append('[');
      for (int i = 0; i < ints.length; i++) {
        sb.append(i == 0 ? "" : ",").append(ints[i]);
      }
      sb.append(']');
    } else {
      throw new IllegalArgumentException("cannot write " + value.getClass() + " as JSON");
    }
  }

  private static void appendString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
