package io.rlhf4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.reflect.ClassPath;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Pins what README's "What is API" promises: packages named {@code internal} are plumbing, so no
 * public signature outside them may mention their types (else a caller would need them), and the
 * pipeline's {@link Rlhf.Result} hands back a policy and folders, not the engine's classes.
 */
class ApiSurfaceTest {

  @Test
  void noApiSignatureMentionsAnInternalType() throws IOException {
    List<Class<?>> api = libraryClasses().stream().filter(c -> !isInternal(c)).toList();
    assertThat(api).hasSizeGreaterThan(100); // rlhf-core's and rlhf-djl's API packages were read
    Set<String> leaks = new TreeSet<>();
    for (Class<?> type : api) {
      for (Type t : publicSignature(type)) {
        for (Class<?> mentioned : classesIn(t)) {
          if (isInternal(mentioned)) {
            leaks.add(type.getName() + " -> " + mentioned.getName());
          }
        }
      }
    }
    assertThat(leaks).isEmpty();
  }

  @Test
  void theInternalPackagesHoldPlumbingTheyArePublicFor() throws IOException {
    // The rule above would hold vacuously if nothing were internal.
    assertThat(libraryClasses().stream().filter(ApiSurfaceTest::isInternal).map(Class::getName))
        .contains("io.rlhf4j.internal.io.AtomicFiles", "io.rlhf4j.djl.internal.train.TrainingLock");
  }

  @Test
  void aPipelineResultNamesNoEngineClass() {
    Set<String> engine = new TreeSet<>();
    for (Type t : publicSignature(Rlhf.Result.class)) {
      for (Class<?> c : classesIn(t)) {
        if (c.getName().startsWith("ai.djl.") || c.getName().startsWith("io.rlhf4j.djl.")) {
          engine.add(c.getName());
        }
      }
    }
    assertThat(engine).isEmpty();
    // ...and the check sees engine types where they are: the pipeline takes a DJL Device.
    assertThat(publicSignature(Rlhf.Pipeline.class)).contains(ai.djl.Device.class);
  }

  @Test
  void thePackagesDependOnEachOtherWithoutCycles() throws IOException {
    // Read from the sources' imports (the reactor's layout: this module's and rlhf-core's).
    Map<String, Set<String>> uses = new TreeMap<>();
    for (Path src : List.of(Path.of("src/main/java"), Path.of("../rlhf-core/src/main/java"))) {
      try (Stream<Path> files = Files.walk(src)) {
        for (Path f : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          String text = Files.readString(f);
          Matcher pkg = PACKAGE.matcher(text);
          if (!pkg.find()) {
            continue;
          }
          Set<String> out = uses.computeIfAbsent(pkg.group(1), k -> new TreeSet<>());
          Matcher imp = IMPORT.matcher(text);
          while (imp.find()) {
            if (!imp.group(1).equals(pkg.group(1))) {
              out.add(imp.group(1));
            }
          }
        }
      }
    }
    assertThat(uses).containsKeys("io.rlhf4j.api", "io.rlhf4j.train", "io.rlhf4j.internal.io");
    for (String from : uses.keySet()) {
      assertThat(reachable(uses, from)).as("packages %s reaches", from).doesNotContain(from);
    }
  }

  private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");
  private static final Pattern IMPORT =
      Pattern.compile("(?m)^import (?:static )?(io\\.rlhf4j[\\w.]*?)\\.[A-Z]");

  private static Set<String> reachable(Map<String, Set<String>> uses, String from) {
    Set<String> seen = new TreeSet<>();
    Deque<String> todo = new ArrayDeque<>(uses.getOrDefault(from, Set.of()));
    while (!todo.isEmpty()) {
      String p = todo.pop();
      if (seen.add(p)) {
        todo.addAll(uses.getOrDefault(p, Set.of()));
      }
    }
    return seen;
  }

  private static boolean isInternal(Class<?> c) {
    return c.getName().startsWith("io.rlhf4j.") && c.getPackageName().contains(".internal");
  }

  // The library's top-level main classes (rlhf-core and rlhf-djl), not the tests' classes.
  private static List<Class<?>> libraryClasses() throws IOException {
    List<Class<?>> out = new ArrayList<>();
    for (ClassPath.ClassInfo info :
        ClassPath.from(ApiSurfaceTest.class.getClassLoader())
            .getTopLevelClassesRecursive("io.rlhf4j")) {
      String where = info.url().toString();
      if (where.contains("test-classes") || where.contains("-tests.jar")) {
        continue;
      }
      Class<?> c = info.load();
      if (Modifier.isPublic(c.getModifiers())) {
        out.add(c);
        for (Class<?> nested : c.getDeclaredClasses()) {
          if (Modifier.isPublic(nested.getModifiers())) {
            out.add(nested);
          }
        }
      }
    }
    return out;
  }

  // Every type a caller of this class may have to name: supertypes, and the parameters, results,
  // exceptions and fields of its public and protected members.
  private static List<Type> publicSignature(Class<?> c) {
    List<Type> types = new ArrayList<>();
    if (c.getGenericSuperclass() != null) {
      types.add(c.getGenericSuperclass());
    }
    types.addAll(List.of(c.getGenericInterfaces()));
    for (Constructor<?> k : c.getDeclaredConstructors()) {
      if (visible(k)) {
        types.addAll(List.of(k.getGenericParameterTypes()));
        types.addAll(List.of(k.getGenericExceptionTypes()));
      }
    }
    for (Method m : c.getDeclaredMethods()) {
      if (visible(m) && !m.isSynthetic()) {
        types.add(m.getGenericReturnType());
        types.addAll(List.of(m.getGenericParameterTypes()));
        types.addAll(List.of(m.getGenericExceptionTypes()));
      }
    }
    for (Field f : c.getDeclaredFields()) {
      if (visible(f)) {
        types.add(f.getGenericType());
      }
    }
    return types;
  }

  private static boolean visible(Member m) {
    return Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers());
  }

  private static List<Class<?>> classesIn(Type t) {
    List<Class<?>> out = new ArrayList<>();
    if (t instanceof Class<?> c) {
      out.add(c.isArray() ? c.getComponentType() : c);
    } else if (t instanceof ParameterizedType p) {
      out.addAll(classesIn(p.getRawType()));
      for (Type a : p.getActualTypeArguments()) {
        out.addAll(classesIn(a));
      }
    } else if (t instanceof GenericArrayType g) {
      out.addAll(classesIn(g.getGenericComponentType()));
    } else if (t instanceof WildcardType w) {
      for (Type b : w.getUpperBounds()) {
        out.addAll(classesIn(b));
      }
      for (Type b : w.getLowerBounds()) {
        out.addAll(classesIn(b));
      }
    }
    return out;
  }
}
