package io.rlhf4j.examples.demo;

import io.rlhf4j.data.EpisodeDemonstration;
import io.rlhf4j.episode.EnvironmentFactory;
import io.rlhf4j.episode.HermesToolFormat;
import io.rlhf4j.episode.Tool;
import io.rlhf4j.episode.ToolArguments;
import io.rlhf4j.episode.ToolCall;
import io.rlhf4j.episode.ToolEnvironment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A task only a tool solves, for stories260K: each prompt has a secret animal that nothing in the
 * prompt gives away; a {@code secret_word} tool (a plain Java method) reveals it; the story must
 * name it. Success is a tool call followed by a final answer that names the prompt's animal. Calls
 * and results are written in the Hermes tags ({@link HermesToolFormat#plain()}), as a model without
 * a chat template would use them.
 */
public final class SecretWordTask {
  /** The animals a secret can be. */
  public static final List<String> WORDS = List.of("dog", "cat", "bird", "fish");

  /** The tools' layout. */
  public static final HermesToolFormat FORMAT = HermesToolFormat.plain();

  private static final String[] OPENINGS = {
    "Lily", "Tom", "Ben", "Mia", "Sam", "Anna", "Max", "Lucy", "Tim", "Sue", "Jack", "Amy"
  };
  private static final String[] PLACES = {
    "box", "garden", "house", "park", "bag", "room", "tree", "car"
  };
  private static final Pattern AFTER_LAST_RESULT = Pattern.compile("(?s).*</tool_response>(.*)");

  private SecretWordTask() {}

  /** The 96 prompts: a name and a place, nothing about the animal. */
  public static List<String> prompts() {
    List<String> out = new ArrayList<>();
    for (String name : OPENINGS) {
      for (String place : PLACES) {
        out.add(name + " had a secret pet in the " + place + ".");
      }
    }
    return out;
  }

  /**
   * The prompt's secret: fixed by its text, spread evenly, unrelated to anything a reader sees (a
   * mixed hash of the stripped text).
   */
  public static String secretOf(String prompt) {
    long h = 0x9E3779B97F4A7C15L;
    for (char c : prompt.strip().toCharArray()) {
      h = (h ^ c) * 0xBF58476D1CE4E5B9L;
      h ^= h >>> 31;
    }
    return WORDS.get((int) Math.floorMod(h, (long) WORDS.size()));
  }

  /** The tool, for the episode of {@code prompt}: a plain Java method returning the secret. */
  public static Tool secretWord(String prompt) {
    return Tool.builder("secret_word")
        .description("Tells the secret animal of this story.")
        .function(args -> secretOf(prompt))
        .build();
  }

  /** One tool environment per episode; serialisable, for Spark executors too. */
  public static EnvironmentFactory environments() {
    return prompt ->
        new ToolEnvironment(List.of(secretWord(prompt)), FORMAT, Duration.ofSeconds(1));
  }

  /** The policy's call, as a demonstration writes it. */
  public static String callText() {
    return FORMAT.callText(new ToolCall("secret_word", ToolArguments.none()));
  }

  /** A demonstrated episode: call the tool, read the answer, name the animal. */
  public static EpisodeDemonstration demonstration(String prompt) {
    String word = secretOf(prompt);
    return EpisodeDemonstration.builder(prompt)
        .policy(callText())
        .environment(FORMAT.observation(List.of(word)))
        .policy("The pet was a " + word + ".")
        .build();
  }

  /**
   * 1 if the response called the tool and its final answer (the text after the last tool result)
   * names the prompt's secret animal, else 0.
   */
  public static double success(String prompt, String response) {
    var m = AFTER_LAST_RESULT.matcher(response);
    if (!m.matches()) {
      return 0;
    }
    return Pattern.compile("\\b" + secretOf(prompt) + "\\b").matcher(m.group(1)).find() ? 1 : 0;
  }
}
