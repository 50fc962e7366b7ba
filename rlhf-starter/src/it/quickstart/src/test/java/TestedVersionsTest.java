import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * An application with README's dependency block alone must run on the library versions rlhf4j is
 * tested with. rlhf-djl's build writes its compile and runtime dependencies (after its own
 * dependency management) to tested-versions.txt; this application's class path, resolved by plain
 * Maven without rlhf4j's parent, must hold each of them at that version and no other version.
 */
class TestedVersionsTest {
  private static final Pattern ENTRY =
      Pattern.compile("^\\s*([^:\\s]+):([^:]+):jar(?::[^:]+)?:([^:]+):(compile|runtime)\\b");

  @Test
  void applicationResolvesTheVersionsRlhf4jIsTestedWith() throws Exception {
    Path tested = Path.of(System.getProperty("rlhf4j.tested.versions"));
    List<String[]> expected = new ArrayList<>();
    for (String line : Files.readAllLines(tested)) {
      Matcher m = ENTRY.matcher(line);
      if (m.find() && !m.group(1).equals("io.rlhf4j")) {
        expected.add(new String[] {m.group(1), m.group(2), m.group(3)});
      }
    }
    assertTrue(expected.size() > 20, "tested-versions.txt lists rlhf-djl's libraries: " + tested);

    String classPath = System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path"));
    List<String> jars = new ArrayList<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      jars.add(entry.replace('\\', '/'));
    }
    List<String> problems = new ArrayList<>();
    for (String[] e : expected) {
      String dir = "/" + e[0].replace('.', '/') + "/" + e[1] + "/";
      List<String> versions = new ArrayList<>();
      for (String jar : jars) {
        int at = jar.indexOf(dir);
        if (at >= 0) {
          String rest = jar.substring(at + dir.length());
          versions.add(rest.substring(0, rest.indexOf('/')));
        }
      }
      if (!versions.equals(List.of(e[2]))) {
        problems.add(e[0] + ":" + e[1] + " tested at " + e[2] + ", application has " + versions);
      }
    }
    assertEquals(List.of(), problems);
    assertFalse(jars.isEmpty());
  }
}
