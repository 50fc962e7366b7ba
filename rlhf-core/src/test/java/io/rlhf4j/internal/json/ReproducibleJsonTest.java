package io.rlhf4j.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Files must not depend on a JVM's hash salt: maps without an order are written sorted. */
class ReproducibleJsonTest {
  @Test
  void unorderedMapsAreWrittenWithSortedKeysOrderedOnesAsTheyAre() {
    // Map.of's iteration order changes from one JVM launch to the next.
    assertThat(
            JsonWriter.write(
                Map.of("type", "Sequence", "normalizers", 1, "a", Map.of("z", 1, "y", 2))))
        .isEqualTo("{\"a\":{\"y\":2,\"z\":1},\"normalizers\":1,\"type\":\"Sequence\"}");
    Map<String, Object> hash = new HashMap<>(Map.of("k2", 2, "k1", 1, "k10", 10));
    assertThat(JsonWriter.write(hash)).isEqualTo("{\"k1\":1,\"k10\":10,\"k2\":2}");
    Map<String, Object> ordered = new LinkedHashMap<>();
    ordered.put("version", "1.0");
    ordered.put("added_tokens", 3);
    assertThat(JsonWriter.write(ordered)).isEqualTo("{\"version\":\"1.0\",\"added_tokens\":3}");
  }
}
