package io.rlhf4j.data.read;

import io.rlhf4j.data.DataFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** RFC 4180 fields of one CSV line (quoted fields with doubled quotes; no embedded newlines). */
final class Csv {
  private Csv() {}

  static List<String> split(Path file, long line, String text) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int i = 0;
    int n = text.length();
    while (true) {
      field.setLength(0);
      if (i < n && text.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= n) {
            throw new DataFormatException(
                file, line, "column " + (fields.size() + 1), "unterminated quoted field");
          }
          char c = text.charAt(i++);
          if (c == '"') {
            if (i < n && text.charAt(i) == '"') {
              field.append('"');
              i++;
            } else {
              break;
            }
          } else {
            field.append(c);
          }
        }
        if (i < n && text.charAt(i) != ',') {
          throw new DataFormatException(
              file, line, "column " + (fields.size() + 1), "text after a closing quote");
        }
      } else {
        while (i < n && text.charAt(i) != ',') {
          field.append(text.charAt(i++));
        }
      }
      fields.add(field.toString());
      if (i >= n) {
        return fields;
      }
      i++; // ','
    }
  }
}
