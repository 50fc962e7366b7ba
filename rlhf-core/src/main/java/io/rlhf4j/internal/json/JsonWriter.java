package io.rlhf4j.internal.json;

import com.google.common.collect.ImmutableMap;
import com.google.gson.FormattingStyle;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes plain Java values ({@link Map}, {@link Iterable}, {@code int[]}, {@link String}, {@link
 * Number}, {@link Boolean}, {@code null}) as compact JSON with Gson's streaming writer, the inverse
 * of {@link Json#parse}.
 *
 * <p>Every file rlhf4j writes must be byte-identical across JVM launches, so a map whose iteration
 * order is not defined ({@code HashMap}, {@code Map.of}, whose order is randomised per JVM) is
 * written with its keys sorted; maps with a defined order (insertion-ordered, sorted, Guava's
 * immutable ones) keep it.
 *
 * <p>Non-finite doubles have no JSON spelling; they are written as {@code null} rather than
 * producing a file other tools refuse.
 */
public final class JsonWriter {
  private JsonWriter() {}

  /** One value as compact JSON text. */
  public static String write(Object value) {
    StringWriter out = new StringWriter();
    try (com.google.gson.stream.JsonWriter w = new com.google.gson.stream.JsonWriter(out)) {
      // Gson's stream writer escapes only what JSON requires (and U+2028/9); no HTML escaping.
      w.setSerializeNulls(true);
      write(w, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  /**
   * One value as Python's {@code json.dumps} writes it by default: one space after each {@code ,}
   * and {@code :}. This is the spelling of the {@code tojson} filter in transformers' chat
   * templates, so tool schemas and tool-call arguments rendered with it match the text a model was
   * trained on.
   */
  public static String writeSpaced(Object value) {
    return write(value, FormattingStyle.COMPACT.withSpaceAfterSeparators(true));
  }

  /**
   * One value as Python's {@code json.dumps(value, indent=n)} writes it: each member on its own
   * line, indented by {@code n} spaces per level, {@code ": "} after keys, {@code ","} at line ends
   * (the spelling of {@code tojson(indent=n)} in chat templates).
   */
  public static String writeIndented(Object value, int indent) {
    return write(value, FormattingStyle.PRETTY.withIndent(" ".repeat(indent)).withNewline("\n"));
  }

  private static String write(Object value, FormattingStyle style) {
    StringWriter out = new StringWriter();
    try (com.google.gson.stream.JsonWriter w = new com.google.gson.stream.JsonWriter(out)) {
      w.setSerializeNulls(true);
      w.setFormattingStyle(style);
      write(w, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** Appends one value as compact JSON to {@code sb}. */
  public static void append(StringBuilder sb, Object value) {
    sb.append(write(value));
  }

  private static Map<?, ?> ordered(Map<?, ?> map) {
    if (map instanceof LinkedHashMap<?, ?>
        || map instanceof SortedMap<?, ?>
        || map instanceof ImmutableMap<?, ?>
        || map.size() < 2) {
      return map;
    }
    Map<String, Object> sorted = new TreeMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      sorted.put(String.valueOf(e.getKey()), e.getValue());
    }
    return sorted;
  }

  private static void write(com.google.gson.stream.JsonWriter w, Object value) throws IOException {
    if (value == null || value == Json.NULL) {
      w.nullValue();
    } else if (value instanceof String s) {
      w.value(s);
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isFinite(d)) {
        w.value(d);
      } else {
        w.nullValue();
      }
    } else if (value instanceof Number n) {
      w.value(n);
    } else if (value instanceof Boolean b) {
      w.value(b);
    } else if (value instanceof Map<?, ?> map) {
      w.beginObject();
      for (Map.Entry<?, ?> e : ordered(map).entrySet()) {
        w.name(String.valueOf(e.getKey()));
        write(w, e.getValue());
      }
      w.endObject();
    } else if (value instanceof Iterable<?> list) {
      w.beginArray();
      for (Object item : list) {
        write(w, item);
      }
      w.endArray();
    } else if (value instanceof int[] ints) {
      w.beginArray();
      for (int v : ints) {
        w.value(v);
      }
      w.endArray();
    } else {
      throw new IllegalArgumentException("cannot write " + value.getClass() + " as JSON");
    }
  }
}
