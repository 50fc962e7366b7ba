package io.rlhf4j.data.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rlhf4j.data.ChatComparison;
import io.rlhf4j.data.ChatMessage;
import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.Ranking;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The readers on files whose fields have other names than rlhf4j's own. */
class FieldNamesTest {
  private static final FieldNames PRD =
      FieldNames.DEFAULT
          .withPrompt("question")
          .withPair("answer_a", "answer_b", "overall_preference");

  @TempDir Path dir;

  /** PRD's expert judgements: 260 pairs, 140 preferring answer_a and 120 answer_b (its README). */
  @Test
  void readsPrdExpertPairsThroughAFieldMapping() {
    List<Ranking> pairs =
        Jsonl.labelledPairs(
                SharedData.path("data/prd/lfqa-experts-pairwise.jsonl"), ReadOptions.strict(), PRD)
            .readAll();

    assertThat(pairs).hasSize(260);
    assertThat(pairs.stream().filter(r -> r.ranks().equals(List.of(1, 2)))).hasSize(140);
    assertThat(pairs.stream().filter(r -> r.ranks().equals(List.of(2, 1)))).hasSize(120);
    assertThat(pairs.get(0).prompt()).startsWith("I remember learning about an ex prisoner");
    assertThat(pairs.get(0).responses().get(0)).startsWith("Those clues are kind of vague");
  }

  @Test
  void aTieIsRankedEqualAndAMissingMappedFieldIsNamed() throws IOException {
    Path file = dir.resolve("pairs.jsonl");
    Files.writeString(
        file, "{\"q\":\"p\",\"a\":\"x\",\"b\":\"y\",\"w\":0}\n{\"q\":\"p\",\"a\":\"x\",\"w\":1}\n");
    FieldNames names = FieldNames.DEFAULT.withPrompt("q").withPair("a", "b", "w");

    assertThatThrownBy(() -> Jsonl.labelledPairs(file, ReadOptions.strict(), names).readAll())
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("pairs.jsonl:2: field 'b'");
    assertThat(Jsonl.labelledPairs(file, ReadOptions.skipping(), names).readAll())
        .singleElement()
        .satisfies(r -> assertThat(r.ranks()).containsExactly(1, 1));
  }

  @Test
  void conversationsAndConversationalComparisonsReadMessages() throws IOException {
    Path chats = dir.resolve("chats.jsonl");
    Files.writeString(
        chats,
        "{\"turns\": [{\"role\": \"user\", \"content\": \"Hi\"},"
            + " {\"role\": \"assistant\", \"content\": \"Hello\"}]}\n"
            + "{\"turns\": [{\"role\": \"user\"}]}\n");
    Path prefs = dir.resolve("prefs.jsonl");
    Files.writeString(
        prefs,
        "{\"prompt\": [{\"role\": \"user\", \"content\": \"Q\"}],"
            + " \"chosen\": [{\"role\": \"assistant\", \"content\": \"A\"}],"
            + " \"rejected\": [{\"role\": \"assistant\", \"content\": \"B\"}]}\n");
    FieldNames names = FieldNames.DEFAULT.withMessages("turns");

    assertThat(Jsonl.conversations(chats, ReadOptions.skipping(), names).readAll())
        .containsExactly(
            List.of(new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello")));
    assertThatThrownBy(() -> Jsonl.conversations(chats, ReadOptions.strict(), names).readAll())
        .hasMessageContaining("chats.jsonl:2: field 'turns[0].content': is missing");
    assertThat(Jsonl.chatComparisons(prefs, ReadOptions.strict(), FieldNames.DEFAULT).readAll())
        .containsExactly(
            new ChatComparison(
                List.of(new ChatMessage("user", "Q")),
                List.of(new ChatMessage("assistant", "A")),
                List.of(new ChatMessage("assistant", "B"))));
  }

  @Test
  void demonstrationsAndRankingsReadRenamedFields() throws IOException {
    Path demos = dir.resolve("d.jsonl");
    Files.writeString(demos, "{\"question\":\"q\",\"answer\":\"a\"}\n");
    Path ranked = dir.resolve("r.jsonl");
    Files.writeString(ranked, "{\"prompt\":\"q\",\"outputs\":[\"a\",\"b\"],\"order\":[2]}\n");

    assertThat(
            Jsonl.demonstrations(
                    demos,
                    ReadOptions.strict(),
                    FieldNames.DEFAULT.withPrompt("question").withResponse("answer"))
                .readAll())
        .containsExactly(new Demonstration("q", "a", false));
    assertThatThrownBy(
            () ->
                Jsonl.rankings(
                        ranked,
                        ReadOptions.strict(),
                        FieldNames.DEFAULT.withRanking("outputs", "order"))
                    .readAll())
        .hasMessageContaining("r.jsonl:1: field 'order': has 1 entries but 'outputs' has 2");
  }
}
