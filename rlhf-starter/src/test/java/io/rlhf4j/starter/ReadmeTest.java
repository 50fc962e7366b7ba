package io.rlhf4j.starter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README's first code blocks are what the consumer project in {@code src/it/quickstart} builds and
 * runs, so the text a user copies is the text that was tested.
 */
class ReadmeTest {
  private static final Path ROOT = Path.of(System.getProperty("rlhf4j.root"));
  private static final Path CONSUMER = ROOT.resolve("rlhf-starter/src/it/quickstart");

  @Test
  void quickStartInReadmeIsTheConsumersSourceVerbatim() throws IOException {
    String source = Files.readString(CONSUMER.resolve("src/main/java/QuickStart.java"));

    assertThat(blocks("java")).contains(source);
  }

  @Test
  void dependencyBlockInReadmeIsTheConsumersVerbatim() throws IOException {
    String pom = Files.readString(CONSUMER.resolve("pom.xml"));
    String version = property(Files.readString(ROOT.resolve("pom.xml")), "version");
    Matcher m =
        Pattern.compile(
                "\n    (<dependency>\\s*<groupId>io.rlhf4j</groupId>.*?</dependency>\n)",
                Pattern.DOTALL)
            .matcher(pom);
    assertThat(m.find()).isTrue();
    String block = m.group(1).replace("@project.version@", version).replace("\n    ", "\n");

    assertThat(blocks("xml").get(0)).isEqualTo(block);
  }

  @Test
  void bomPinsTheVersionsTheBuildUses() throws IOException {
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    String bom = Files.readString(ROOT.resolve("rlhf-bom/pom.xml"));

    assertThat(property(bom, "version")).isEqualTo(property(parent, "version"));
    Map<String, String> bomProperties = properties(bom);
    assertThat(bomProperties).isNotEmpty();
    for (Map.Entry<String, String> e : bomProperties.entrySet()) {
      if (e.getKey().equals("error-prone-annotations.version")) {
        continue; // the parent cuts Guava's edge instead of pinning it
      }
      assertThat(properties(parent)).containsEntry(e.getKey(), e.getValue());
    }
  }

  private static List<String> blocks(String language) throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** The project's own {@code <version>}: the first one after its {@code <artifactId>}. */
  private static String property(String pom, String tag) {
    String afterParent = pom.substring(Math.max(0, pom.indexOf("</parent>")));
    Matcher m = Pattern.compile("<" + tag + ">([^<]*)</" + tag + ">").matcher(afterParent);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static Map<String, String> properties(String pom) {
    String section = pom.substring(pom.indexOf("<properties>"), pom.indexOf("</properties>"));
    Matcher m = Pattern.compile("<([a-zA-Z.-]+)>([^<]*)</\\1>").matcher(section);
    Map<String, String> out = new TreeMap<>();
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }
}
