package io.rlhf4j.starter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Every Java snippet in README compiles against the library as built: each starts with its imports,
 * then (optionally) a {@code // given:} line declaring the variables it uses, then statements. The
 * snippets are wrapped in a method with the givens as parameters and compiled by the JDK's compiler
 * on this test's class path, so a renamed type, a moved package or a changed signature fails here
 * before it misleads a user.
 */
class ReadmeSnippetsTest {
  private static final Path ROOT = Path.of(System.getProperty("rlhf4j.root"));
  private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

  @Test
  void everyJavaSnippetInReadmeCompiles() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    Matcher m = BLOCK.matcher(readme);
    List<JavaFileObject> sources = new ArrayList<>();
    int n = 0;
    while (m.find()) {
      String snippet = m.group(1);
      int line = 1 + (int) readme.substring(0, m.start()).chars().filter(c -> c == '\n').count();
      String name = "Snippet" + (++n) + "Line" + line;
      sources.add(source(name, wrap(name, snippet)));
    }
    assertThat(n).as("java snippets in README").isGreaterThanOrEqualTo(8);

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    Path classes = Files.createTempDirectory("readme-snippets");
    boolean ok =
        javac
            .getTask(
                null,
                null,
                diagnostics,
                List.of(
                    "-proc:none",
                    "-d",
                    classes.toString(),
                    "-classpath",
                    System.getProperty("java.class.path")),
                null,
                sources)
            .call();

    List<String> errors = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      if (d.getKind() == Diagnostic.Kind.ERROR) {
        errors.add(
            d.getSource().getName() + ":" + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT));
      }
    }
    assertThat(errors).as("README snippets that do not compile").isEmpty();
    assertThat(ok).isTrue();
  }

  /** A whole class stays as it is; otherwise imports, then a method holding the statements. */
  static String wrap(String name, String snippet) {
    if (snippet.contains("public class ")) {
      return snippet.replaceFirst("public class \\w+", "class " + name);
    }
    StringBuilder imports = new StringBuilder();
    StringBuilder body = new StringBuilder();
    String given = "";
    for (String line : snippet.split("\n", -1)) {
      if (line.startsWith("import ")) {
        imports.append(line).append('\n');
      } else if (line.startsWith("// given: ")) {
        given = line.substring("// given: ".length()).strip();
      } else {
        body.append(line).append('\n');
      }
    }
    return imports
        + "class "
        + name
        + " {\n  @SuppressWarnings(\"unused\")\n  void run("
        + given
        + ") throws Exception {\n"
        + body
        + "  }\n}\n";
  }

  private static JavaFileObject source(String name, String code) {
    return new SimpleJavaFileObject(
        URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return code;
      }
    };
  }
}
