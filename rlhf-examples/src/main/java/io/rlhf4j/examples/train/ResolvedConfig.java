package io.rlhf4j.examples.train;

import io.rlhf4j.internal.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every option of a training command with the value it ran with, whether it came from the command
 * line, the config file or the default. Saved as {@code config.yaml} in the run folder, it is both
 * the record of the run and a config file that repeats it ({@code --config RUN/config.yaml}).
 */
final class ResolvedConfig {
  /** The file name in the run folder. */
  static final String FILE = "config.yaml";

  /**
   * Options that decide where the work runs, not what it computes: left out, so a run started in
   * one process resumes on Spark and back (the results are the same).
   */
  private static final java.util.Set<String> PLACEMENT = java.util.Set.of("spark");

  private ResolvedConfig() {}

  /** The options of {@code spec} and their values, in declaration order, as strings. */
  static Map<String, Object> of(CommandSpec spec) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (OptionSpec option : spec.options()) {
      String name = name(option);
      if (option.usageHelp()
          || option.versionHelp()
          || name.equals("config")
          || PLACEMENT.contains(name)) {
        continue;
      }
      values.put(name, plain(option.getValue()));
    }
    return values;
  }

  /**
   * Writes {@code values} to {@code RUN/config.yaml}, or, if a run was started there before, checks
   * that it ran with the same values (a rerun resumes it), naming every difference.
   *
   * @throws IllegalArgumentException if the folder holds a run with other settings
   */
  // Options whose larger value continues a run instead of making another one.
  private static final java.util.Set<String> MAY_GROW = java.util.Set.of("iterations");

  static void checkOrWrite(Path run, Map<String, Object> values) throws IOException {
    Path file = run.resolve(FILE);
    if (Files.exists(file)) {
      Map<String, Object> before =
          new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
      List<String> differences = new ArrayList<>();
      boolean grew = false;
      for (Map.Entry<String, Object> e : values.entrySet()) {
        Object old = before == null ? null : before.get(e.getKey());
        if (MAY_GROW.contains(e.getKey())
            && old instanceof Number was
            && e.getValue() instanceof Number now
            && now.doubleValue() > was.doubleValue()) {
          grew = true; // more iterations continue the run
          continue;
        }
        if (!Objects.equals(String.valueOf(old), String.valueOf(e.getValue()))) {
          differences.add(e.getKey() + " " + old + " -> " + e.getValue());
        }
      }
      if (differences.isEmpty() && grew) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        AtomicFiles.writeString(file, new Yaml(options).dump(values));
      }
      if (!differences.isEmpty()) {
        throw new IllegalArgumentException(
            file
                + ": this folder holds a run with other settings ("
                + String.join(", ", differences)
                + "); rerun with the same ones to resume, or choose another --out");
      }
      return;
    }
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    AtomicFiles.writeString(file, new Yaml(options).dump(values));
  }

  /** The option's long name without its dashes: its key in a config file. */
  static String name(OptionSpec option) {
    return option.longestName().replaceFirst("^-+", "");
  }

  // Paths, enums and the like as the strings the command line takes; numbers and booleans stay.
  private static Object plain(Object value) {
    if (value == null || value instanceof Number || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Collection<?> c) {
      return c.stream().map(ResolvedConfig::plain).toList();
    }
    return value.toString();
  }
}
