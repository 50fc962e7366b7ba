package io.rlhf4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TextRewardModelTest {
  /** One token per character, 0 as BOS (dropped on decode). */
  static final Tokenizer CHARS =
      new Tokenizer() {
        @Override
        public int[] encode(String text, boolean addBos) {
          int[] ids = text.chars().toArray();
          if (!addBos) {
            return ids;
          }
          int[] out = new int[ids.length + 1];
          System.arraycopy(ids, 0, out, 1, ids.length);
          return out;
        }

        @Override
        public String decode(int[] ids) {
          StringBuilder sb = new StringBuilder();
          for (int id : ids) {
            if (id != 0) {
              sb.append((char) id);
            }
          }
          return sb.toString();
        }

        @Override
        public int vocabSize() {
          return 65_536;
        }

        @Override
        public OptionalInt bosId() {
          return OptionalInt.of(0);
        }

        @Override
        public OptionalInt eosId() {
          return OptionalInt.empty();
        }
      };

  @Test
  void scoresDecodedTextInOrder() {
    TextRewardModel rm =
        new TextRewardModel(CHARS, (p, r) -> r.startsWith(p) ? 10 + r.length() : r.length());
    double[] s =
        rm.score(
            List.of(CHARS.encode("ab", true), CHARS.encode("x", true)),
            List.of(CHARS.encode("abcd", false), CHARS.encode("yy", false)));
    assertThat(s).containsExactly(14, 2);
  }

  @Test
  void refusesMismatchedBatches() {
    TextRewardModel rm = new TextRewardModel(CHARS, (p, r) -> 0);
    assertThatThrownBy(() -> rm.score(List.of(new int[] {1}), List.of()))
        .hasMessageContaining("1 prompts but 0 responses");
  }
}
