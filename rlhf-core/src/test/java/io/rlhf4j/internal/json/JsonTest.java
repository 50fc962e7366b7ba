package io.rlhf4j.internal.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void parsesAllValueKinds() {
    Map<String, Object> o =
        Json.parseObject(
            "{\"s\":\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\",\"i\":-12,\"d\":1.5e2,\"t\":true,"
                + "\"f\":false,\"n\":null,\"a\":[1,[],{}]}");
    assertThat(o.get("s")).isEqualTo("a\"b\\c\né😀");
    assertThat(o.get("i")).isEqualTo(-12L);
    assertThat(o.get("d")).isEqualTo(150.0);
    assertThat(o.get("t")).isEqualTo(true);
    assertThat(o.get("f")).isEqualTo(false);
    assertThat(o.get("n")).isSameAs(Json.NULL);
    assertThat((List<?>) o.get("a")).hasSize(3);
    assertThat(o.keySet()).containsExactly("s", "i", "d", "t", "f", "n", "a");
  }

  @Test
  void reportsColumnOfErrors() {
    assertThatThrownBy(() -> Json.parse("{\"a\": 1"))
        .isInstanceOf(JsonParseException.class)
        .hasMessageContaining("truncated")
        .hasMessageContaining("column 8");
    assertThatThrownBy(() -> Json.parse("{\"a\": tru}"))
        .hasMessageContaining("unexpected character");
    assertThatThrownBy(() -> Json.parse("{\"a\": 1} x")).hasMessageContaining("column 11");
    assertThatThrownBy(() -> Json.parse("{\"a\": 01}")).hasMessageContaining("column 7");
    assertThatThrownBy(() -> Json.parse("{\"a\": \"x\ty\"}")).hasMessageContaining("control");
    assertThatThrownBy(() -> Json.parse("{\"a\":1,\"a\":2}")).hasMessageContaining("duplicate");
    assertThatThrownBy(() -> Json.parse("[1,]")).hasMessageContaining("unexpected character");
    assertThatThrownBy(() -> Json.parse("\"\\x\"")).hasMessageContaining("Invalid escape");
  }

  @Test
  void rejectsPathologicalNesting() {
    char[] deep = new char[100_000];
    Arrays.fill(deep, '[');
    assertThatThrownBy(() -> Json.parse(new String(deep))).hasMessageContaining("Nesting limit");
  }

  @Test
  void validDeepNestingParsesOnASmallThreadStack() throws Exception {
    // 512 levels, the limit, on a 64 KiB stack: a recursive parser overflows long before.
    String doc = "[".repeat(511) + "{\"a\":1}" + "]".repeat(511);
    Object[] result = new Object[1];
    Throwable[] failure = new Throwable[1];
    Thread small =
        new Thread(
            null,
            () -> {
              try {
                result[0] = Json.parse(doc);
              } catch (Throwable t) {
                failure[0] = t;
              }
            },
            "small-stack",
            64 * 1024);
    small.start();
    small.join();
    assertThat(failure[0]).isNull();
    Object inner = result[0];
    for (int i = 0; i < 511; i++) {
      inner = ((List<?>) inner).get(0);
    }
    assertThat(inner).isEqualTo(Map.of("a", 1L));
    assertThatThrownBy(() -> Json.parse("[".repeat(513) + "]".repeat(513)))
        .hasMessageContaining("Nesting limit 512");
  }

  @Test
  void refusesWhatIsNotText() {
    assertThatThrownBy(() -> Json.parse("\"\\ud800\"")).hasMessageContaining("lone surrogate");
    assertThatThrownBy(() -> Json.parse("\"\\udc00x\"")).hasMessageContaining("lone surrogate");
    assertThatThrownBy(() -> Json.parse("\"\\ud800\\u0041\""))
        .hasMessageContaining("lone surrogate");
    // Arabic-Indic digits are digits to Character.digit, not to JSON.
    assertThatThrownBy(() -> Json.parse("\"\\u\u0660\u0660\u0664\u0661\""))
        .hasMessageContaining("Malformed Unicode escape");
    assertThat(Json.parse("\"\\u00E9\"")).isEqualTo("é");
  }

  @Test
  void numbersBeyondDoubleAreRefusedNotInfinite() {
    assertThatThrownBy(() -> Json.parse("{\"margin\": 1e999}"))
        .hasMessageContaining("number out of range")
        .hasMessageContaining("column 12");
    assertThatThrownBy(() -> Json.parse("-1e999")).hasMessageContaining("out of range");
    assertThat(Json.parse("1e-999")).isEqualTo(0.0);
    assertThat(Json.parse("1e308")).isEqualTo(1e308);
  }

  @Test
  void everyLongRoundTripsExactly() {
    // 19-digit seeds were once read as doubles and came back rounded.
    for (long v : new long[] {4021198743987924088L, Long.MAX_VALUE, Long.MIN_VALUE, -1L, 0L}) {
      assertThat(Json.parse(JsonWriter.write(java.util.Map.of("seed", v))))
          .isEqualTo(java.util.Map.of("seed", v));
    }
    assertThat(Json.parse("9223372036854775808")).isEqualTo(9.223372036854775808e18);
  }

  @Test
  void writerRoundTrips() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("text", "line1\nline2 \"q\" \u0001 é");
    m.put("n", 3L);
    m.put("x", 0.25);
    m.put("nan", Double.NaN);
    m.put("list", List.of(1L, "two", false));
    String json = JsonWriter.write(m);
    Map<String, Object> back = Json.parseObject(json);
    assertThat(back.get("text")).isEqualTo(m.get("text"));
    assertThat(back.get("n")).isEqualTo(3L);
    assertThat(back.get("x")).isEqualTo(0.25);
    assertThat(back.get("nan")).isSameAs(Json.NULL);
    assertThat(back.get("list")).isEqualTo(List.of(1L, "two", false));
  }
}
