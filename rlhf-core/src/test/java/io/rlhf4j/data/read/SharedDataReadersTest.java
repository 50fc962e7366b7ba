package io.rlhf4j.data.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rlhf4j.data.Comparison;
import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.data.Ranking;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The readers on the real files in ../shared/data, against counts published with the data. */
class SharedDataReadersTest {

  @Test
  void helpfulBaseHas2354RecordsOfWhichNineHaveMismatchedPrompts() {
    Path file = SharedData.path("data/hh-rlhf/helpful-base-test.jsonl.gz");
    RecordReader<Comparison> reader = HhRlhf.comparisons(file, ReadOptions.skipping());
    List<Comparison> pairs = reader.readAll();
    // 2,354 pairs as published; 9 of them put an extra Assistant turn on one side only (lines
    // found independently with a Python script), which the reader refuses to mis-split.
    assertThat(reader.report().records()).isEqualTo(2354);
    assertThat(reader.report().skipped()).isEqualTo(9);
    assertThat(pairs).hasSize(2345);
    assertThat(reader.report().problems())
        .extracting(DataFormatException::line)
        .containsExactly(169L, 355L, 568L, 744L, 961L, 1012L, 1167L, 1308L, 1451L);
    assertThat(reader.report().problems()).allMatch(p -> "rejected".equals(p.field()));
    for (Comparison c : pairs) {
      assertThat(c.prompt()).startsWith("\n\nHuman: ").endsWith(HhRlhf.ASSISTANT);
      assertThat(c.chosen()).doesNotContain(HhRlhf.ASSISTANT);
    }
  }

  @Test
  void helpfulBaseStrictFailsAtTheFirstMismatch() {
    Path file = SharedData.path("data/hh-rlhf/helpful-base-test.jsonl.gz");
    assertThatThrownBy(() -> HhRlhf.comparisons(file, ReadOptions.strict()).readAll())
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("helpful-base-test.jsonl.gz:169: field 'rejected'")
        .hasMessageContaining("differs");
  }

  @Test
  void allFourHhSplitsReadWithTheirPublishedCounts() {
    long[][] expected = {{2354, 9}, {1137, 0}, {2749, 3}, {2312, 5}};
    String[] splits = {
      "helpful-base", "helpful-online", "helpful-rejection-sampled", "harmless-base"
    };
    for (int i = 0; i < splits.length; i++) {
      Path file = SharedData.path("data/hh-rlhf/" + splits[i] + "-test.jsonl.gz");
      RecordReader<Comparison> reader = HhRlhf.comparisons(file, ReadOptions.skipping());
      reader.readAll();
      assertThat(reader.report().records()).as(splits[i]).isEqualTo(expected[i][0]);
      assertThat(reader.report().skipped()).as(splits[i]).isEqualTo(expected[i][1]);
    }
  }

  @Test
  void llmfaoJoins8931VotesOver2139Pairs() {
    Llmfao.Corpus corpus = Llmfao.read(SharedData.path("data/llmfao"));
    assertThat(corpus.votes()).hasSize(8931);
    assertThat(corpus.pairs()).hasSize(2139);
    assertThat(corpus.votes().stream().map(Llmfao.Vote::worker).distinct().count()).isEqualTo(124);
    // Outcome counts of crowd-comparisons.csv (tallied independently with Python's csv module).
    assertThat(corpus.votes().stream().filter(v -> v.outcome() == Llmfao.Outcome.TIE).count())
        .isEqualTo(3471);
    assertThat(corpus.votes().stream().filter(v -> v.outcome() == Llmfao.Outcome.LEFT).count())
        .isEqualTo(2911);
    List<Ranking> perVote = corpus.perVote();
    assertThat(perVote).hasSize(8931);
    assertThat(perVote.stream().filter(r -> r.pairs().isEmpty()).count()).isEqualTo(3471);
    List<Ranking> majority = corpus.majority();
    assertThat(majority).hasSize(2139);
    // Net-vote outcomes per pair, tallied independently in Python: 919 left, 785 right, 435 tie.
    assertThat(majority.stream().filter(r -> r.ranks().equals(List.of(1, 2))).count())
        .isEqualTo(919);
    assertThat(majority.stream().filter(r -> r.ranks().equals(List.of(2, 1))).count())
        .isEqualTo(785);
    // The first pair (id 0) got tie, tie, right, right: right wins.
    Llmfao.Pair first = corpus.pairs().get(0L);
    assertThat(majority.get(0).prompt()).isEqualTo(first.prompt());
    assertThat(majority.get(0).ranks()).containsExactly(2, 1);
    assertThat(first.prompt()).startsWith("Argue for and against the use of kubernetes");
  }
}
