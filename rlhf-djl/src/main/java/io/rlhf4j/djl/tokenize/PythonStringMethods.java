package io.rlhf4j.djl.tokenize;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's string methods inside chat templates ({@code
 * content.split('</think>')[-1].lstrip('\n')}, {@code content.startswith('<tool_response>')}),
 * which Qwen3's and other recent templates call. Jinjava would otherwise invoke Java's methods of
 * the same name where one exists, and Java's {@code split} takes a regular expression and drops
 * trailing empty strings, so {@code "a</think>".split("</think>")[-1]} would be "a" instead of
 * Python's "". Written by hand because Jinjava has no Python string semantics of its own.
 */
final class PythonStringMethods extends ELResolver {

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(base instanceof String s) || !(method instanceof String name)) {
      return null;
    }
    Object[] args = params == null ? new Object[0] : params;
    Object result =
        switch (name) {
          case "startswith" -> args.length == 1 ? s.startsWith(text(args[0])) : null;
          case "endswith" -> args.length == 1 ? s.endsWith(text(args[0])) : null;
          case "strip" -> strip(strip(s, chars(args), true), chars(args), false);
          case "lstrip" -> strip(s, chars(args), true);
          case "rstrip" -> strip(s, chars(args), false);
          case "split" -> args.length == 1 && args[0] != null ? split(s, text(args[0])) : null;
          case "upper" -> args.length == 0 ? s.toUpperCase(java.util.Locale.ROOT) : null;
          case "lower" -> args.length == 0 ? s.toLowerCase(java.util.Locale.ROOT) : null;
          default -> null;
        };
    if (result != null) {
      context.setPropertyResolved(true);
    }
    return result;
  }

  private static String text(Object o) {
    return String.valueOf(o);
  }

  // Python's default strip set is whitespace; an argument names the characters to strip.
  private static String chars(Object[] args) {
    return args.length == 0 || args[0] == null ? null : text(args[0]);
  }

  private static String strip(String s, String chars, boolean left) {
    int from = 0;
    int to = s.length();
    if (left) {
      while (from < to && stripped(s.charAt(from), chars)) {
        from++;
      }
    } else {
      while (to > from && stripped(s.charAt(to - 1), chars)) {
        to--;
      }
    }
    return s.substring(from, to);
  }

  private static boolean stripped(char c, String chars) {
    return chars == null ? Character.isWhitespace(c) : chars.indexOf(c) >= 0;
  }

  // str.split(sep): every piece, empty ones at either end included.
  private static List<String> split(String s, String separator) {
    List<String> out = new ArrayList<>();
    int from = 0;
    int at;
    while (!separator.isEmpty() && (at = s.indexOf(separator, from)) >= 0) {
      out.add(s.substring(from, at));
      from = at + separator.length();
    }
    out.add(s.substring(from));
    return out;
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {}

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }
}
