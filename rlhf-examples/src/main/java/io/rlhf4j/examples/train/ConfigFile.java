package io.rlhf4j.examples.train;

import io.rlhf4j.data.DataFormatException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A run's config file: a flat YAML (or JSON, which YAML reads too) mapping of option names, without
 * the leading dashes, to values, e.g. {@code sft-epochs: 3}. Values become the command's defaults,
 * so an option on the command line still wins. SnakeYAML's node API is used rather than a plain
 * load so that every problem names the line it is on.
 */
final class ConfigFile {
  private final Path file;
  private final Map<String, String> values;
  private final Map<String, Integer> lines;

  private ConfigFile(Path file, Map<String, String> values, Map<String, Integer> lines) {
    this.file = file;
    this.values = values;
    this.lines = lines;
  }

  /**
   * Reads {@code file}, refusing keys that are not among {@code known}.
   *
   * @throws DataFormatException naming the file, line and key of the first problem
   */
  static ConfigFile read(Path file, Set<String> known) throws IOException {
    String text = Files.readString(file);
    Node root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark();
      throw new DataFormatException(
          file,
          mark == null ? 0 : mark.getLine() + 1,
          null,
          "not valid YAML or JSON: " + e.getProblem());
    } catch (YAMLException e) {
      throw new DataFormatException(file, 0, null, "not valid YAML or JSON: " + e.getMessage());
    }
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, Integer> lines = new LinkedHashMap<>();
    if (root == null) {
      return new ConfigFile(file, values, lines); // an empty file sets nothing
    }
    if (!(root instanceof MappingNode mapping)) {
      throw new DataFormatException(
          file, line(root), null, "expected a mapping of option names to values");
    }
    for (NodeTuple tuple : mapping.getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode keyScalar)) {
        throw new DataFormatException(file, line(keyNode), null, "a key must be an option name");
      }
      String key = keyScalar.getValue();
      if (key.startsWith("--")) {
        key = key.substring(2);
      }
      if (!known.contains(key)) {
        throw new DataFormatException(
            file, line(keyNode), key, "is not an option of this command; known: " + sorted(known));
      }
      if (values.containsKey(key)) {
        throw new DataFormatException(file, line(keyNode), key, "is given twice");
      }
      values.put(key, value(file, key, tuple.getValueNode()));
      lines.put(key, line(keyNode));
    }
    return new ConfigFile(file, values, lines);
  }

  /** The value set for {@code key}, as the command line would spell it, or null. */
  String value(String key) {
    return values.get(key);
  }

  /** The line {@code key} is set on, or 0. */
  int line(String key) {
    return lines.getOrDefault(key, 0);
  }

  /** The file this config came from. */
  Path file() {
    return file;
  }

  private static String value(Path file, String key, Node node) {
    if (node instanceof ScalarNode scalar) {
      return scalar.getValue();
    }
    if (node instanceof SequenceNode sequence) {
      // A list is what a comma-separated option takes.
      List<String> items = new ArrayList<>();
      for (Node item : sequence.getValue()) {
        if (!(item instanceof ScalarNode s)) {
          throw new DataFormatException(file, line(item), key, "list items must be plain values");
        }
        items.add(s.getValue());
      }
      return String.join(",", items);
    }
    throw new DataFormatException(
        file, line(node), key, "expected a value or a list, not a nested mapping");
  }

  private static int line(Node node) {
    return node.getStartMark().getLine() + 1;
  }

  private static String sorted(Set<String> names) {
    return String.join(", ", new TreeSet<>(names));
  }
}
