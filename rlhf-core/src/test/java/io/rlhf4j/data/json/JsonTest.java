package io.rlhf4j.data.json;

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
    assertThatThrownBy(() -> Json.parse("{\"a\": tru}")).hasMessageContaining("expected true");
    assertThatThrownBy(() -> Json.parse("{\"a\": 1} x")).hasMessageContaining("after the JSON");
    assertThatThrownBy(() -> Json.parse("{\"a\": 01}")).hasMessageContaining("column 8");
    assertThatThrownBy(() -> Json.parse("{\"a\": \"x\ty\"}")).hasMessageContaining("control");
    assertThatThrownBy(() -> Json.parse("{\"a\":1,\"a\":2}")).hasMessageContaining("duplicate");
    assertThatThrownBy(() -> Json.parse("[1,]")).hasMessageContaining("unexpected character");
    assertThatThrownBy(() -> Json.parse("\"\\x\"")).hasMessageContaining("invalid escape");
  }

  @Test
  void rejectsPathologicalNesting() {
    char[] deep = new char[100_000];
    Arrays.fill(deep, '[');
    assertThatThrownBy(() -> Json.parse(new String(deep))).hasMessageContaining("nesting");
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
