package io.rlhf4j.examples.train;

import io.rlhf4j.data.ChatComparison;
import io.rlhf4j.data.Comparison;
import io.rlhf4j.data.DataFormatException;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.EpisodeRanking;
import io.rlhf4j.data.LabeledCompletion;
import io.rlhf4j.data.PreferenceDataset;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.data.read.FieldNames;
import io.rlhf4j.data.read.JsonRecord;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.PromptFile;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.data.read.RecordReader;
import io.rlhf4j.djl.tokenize.ChatFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Reads the user's files for a training command, through the field names they chose, as plain
 * records or, with a chat format, as conversations rendered by the model's template.
 */
final class UserData {
  /** How a preference file is laid out. */
  enum PreferenceFormat {
    /** K-wise rankings: a list of responses and a list of ranks. */
    RANKINGS,
    /** Pairwise comparisons: a chosen and a rejected response (TRL's layout). */
    COMPARISONS,
    /** Two responses and a number saying which is better (PRD's layout). */
    PAIRS
  }

  private final FieldOptions fields;
  private final ReadOptions options;
  private final ChatFormat chat; // null: plain records

  UserData(FieldOptions fields, ReadOptions options, ChatFormat chat) {
    this.fields = fields;
    this.options = options;
    this.chat = chat;
  }

  /** Demonstrations; with a chat format, one per assistant turn of each conversation. */
  List<Demonstration> demonstrations(Path file) {
    FieldNames names = fields.names();
    if (chat == null) {
      return nonEmpty(file, Jsonl.demonstrations(file, options, names).readAll(), names.response());
    }
    RecordReader<List<Demonstration>> reader =
        chatRecords(file, names.messages(), r -> chat.demonstrations(r.messages(names.messages())));
    return nonEmpty(file, reader.stream().flatMap(List::stream).toList(), names.messages());
  }

  /**
   * Preferences in {@code format}; with a chat format, conversational comparisons in TRL's layout
   * (prompt, chosen, rejected message lists).
   */
  PreferenceDataset preferences(Path file, PreferenceFormat format) {
    FieldNames names = fields.preferenceNames();
    if (chat != null) {
      RecordReader<Ranking> reader =
          chatRecords(
              file,
              names.prompt(),
              r ->
                  chat.ranking(
                      new ChatComparison(
                          r.messages(names.prompt()),
                          r.messages(names.chosen()),
                          r.messages(names.rejected()))));
      return PreferenceDataset.of(nonEmpty(file, reader.readAll(), names.prompt()));
    }
    return PreferenceDataset.of(
        nonEmpty(
            file,
            switch (format) {
              case RANKINGS -> Jsonl.rankings(file, options, names).readAll();
              case COMPARISONS ->
                  Jsonl.comparisons(file, options, names).stream()
                      .map(Comparison::toRanking)
                      .toList();
              case PAIRS -> Jsonl.labelledPairs(file, options, names).readAll();
            },
            names.prompt()));
  }

  /** Completions each judged good or bad on its own (KTO's unpaired layout, TRL's fields). */
  List<LabeledCompletion> labeledCompletions(Path file) {
    return nonEmpty(file, Jsonl.labeledCompletions(file, options).readAll(), "completion");
  }

  /**
   * Ranked episodes as the ranking page saves them ({@code prompt}, {@code turns}: K episodes of
   * turns, {@code ranks}), for DPO on whole sessions.
   */
  List<EpisodeRanking> episodeRankings(Path file) {
    return nonEmpty(file, Jsonl.episodeRankings(file, options).readAll(), "turns");
  }

  /**
   * Prompts: one per line in a {@code .txt} file, or a JSONL file's prompt field; with a chat
   * format, conversations rendered as prompts that ask for the assistant's next turn.
   */
  List<String> prompts(Path file) {
    FieldNames names = fields.promptsNames();
    if (chat != null) {
      RecordReader<String> reader =
          chatRecords(file, names.messages(), r -> chat.prompt(r.messages(names.messages())));
      return nonEmpty(file, reader.readAll(), names.messages());
    }
    RecordReader<String> reader = PromptFile.open(file, options, names.prompt());
    return nonEmpty(file, reader.readAll(), names.prompt());
  }

  /**
   * Records turned into {@code T} through the chat template; a template's refusal (its {@code
   * raise_exception}) becomes an error at the record's line and {@code field}.
   */
  private <T> RecordReader<T> chatRecords(Path file, String field, Function<JsonRecord, T> format) {
    return Jsonl.records(
        file,
        options,
        r -> {
          try {
            return format.apply(r);
          } catch (DataFormatException e) {
            throw e;
          } catch (IllegalArgumentException e) {
            throw r.error(field, e.getMessage());
          }
        });
  }

  private static <T> List<T> nonEmpty(Path file, List<T> items, String field) {
    if (items.isEmpty()) {
      throw new DataFormatException(file, 0, field, "the file holds no records");
    }
    return items;
  }
}
