package io.rlhf4j.djl.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.internal.io.InputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings a run folder was made with, kept in the folder ({@code settings.json}), so a rerun
 * into the same folder either resumes the same run or is refused: resuming with another seed or
 * another learning rate would mix two runs' checkpoints into results that belong to neither. The
 * error names every setting that differs.
 *
 * <p>Settings are written with Gson (which DJL brings anyway), configuration records as they are.
 */
public final class RunSettings {
  /** The file in a run folder. */
  public static final String FILE = "settings.json";

  private static final Gson GSON =
      new GsonBuilder()
          .setPrettyPrinting()
          .serializeNulls()
          .disableHtmlEscaping()
          .registerTypeAdapter(OptionalDouble.class, new OptionalDoubleAdapter())
          .create();

  private RunSettings() {}

  /** {@code value} (a record, a map, a number...) as a JSON tree. */
  public static JsonElement toJson(Object value) {
    return GSON.toJsonTree(value);
  }

  /** A JSON object of the given named settings, in order. */
  public static JsonObject of(Map<String, ?> settings) {
    JsonObject o = new JsonObject();
    settings.forEach((name, value) -> o.add(name, toJson(value)));
    return o;
  }

  /**
   * Records {@code settings} in {@code folder}'s {@value #FILE}, or, when the folder already holds
   * a run, checks that they are the same.
   *
   * @throws IllegalArgumentException naming each setting that differs from the recorded ones
   */
  public static void checkOrRecord(Path folder, JsonObject settings) throws IOException {
    checkOrRecord(folder, FILE, settings);
  }

  /** As {@link #checkOrRecord(Path, JsonObject)}, kept in {@code folder}'s file {@code name}. */
  public static void checkOrRecord(Path folder, String name, JsonObject settings)
      throws IOException {
    checkOrRecord(folder, name, settings, Set.of());
  }

  /**
   * As {@link #checkOrRecord(Path, String, JsonObject)}, except that the top-level numbers named in
   * {@code mayGrow} (an iteration count) may be larger than recorded: the run is continued, and the
   * file records the new values. Smaller is refused like any other difference.
   */
  public static void checkOrRecord(
      Path folder, String name, JsonObject settings, Set<String> mayGrow) throws IOException {
    Path file = folder.resolve(name);
    if (!Files.exists(file)) {
      AtomicFiles.writeString(file, GSON.toJson(settings) + "\n");
      return;
    }
    JsonElement recorded;
    try {
      recorded = JsonParser.parseString(InputFiles.readUtf8(file));
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(file + ": not a settings file (" + e.getMessage() + ")");
    }
    List<String> differences = new ArrayList<>();
    JsonObject compared = settings.deepCopy();
    boolean grew = false;
    if (recorded.isJsonObject()) {
      for (String key : mayGrow) {
        JsonElement was = recorded.getAsJsonObject().get(key);
        JsonElement now = settings.get(key);
        if (was != null
            && now != null
            && was.isJsonPrimitive()
            && now.isJsonPrimitive()
            && now.getAsDouble() > was.getAsDouble()) {
          compared.add(key, was); // a longer run continues this one
          grew = true;
        }
      }
    }
    diff("", recorded, compared, differences);
    if (differences.isEmpty() && grew) {
      AtomicFiles.writeString(file, GSON.toJson(settings) + "\n");
    }
    if (!differences.isEmpty()) {
      throw new IllegalArgumentException(
          folder
              + " holds a run made with other settings ("
              + String.join("; ", differences)
              + "): rerun with the same settings to resume it, or choose another output folder");
    }
  }

  private static void diff(String path, JsonElement was, JsonElement now, List<String> out) {
    if (was != null && now != null && was.isJsonObject() && now.isJsonObject()) {
      JsonObject a = was.getAsJsonObject();
      JsonObject b = now.getAsJsonObject();
      TreeSet<String> keys = new TreeSet<>(a.keySet());
      keys.addAll(b.keySet());
      for (String key : keys) {
        diff(path.isEmpty() ? key : path + "." + key, a.get(key), b.get(key), out);
      }
    } else if (was == null || now == null || !was.equals(now)) {
      out.add(path + " was " + text(was) + ", is now " + text(now));
    }
  }

  private static String text(JsonElement e) {
    String s = e == null ? "absent" : e.toString();
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }

  // A number or null; Gson cannot look inside java.util classes on Java 17.
  private static final class OptionalDoubleAdapter extends TypeAdapter<OptionalDouble> {
    @Override
    public void write(JsonWriter out, OptionalDouble value) throws IOException {
      if (value == null || value.isEmpty()) {
        out.nullValue();
      } else {
        out.value(value.getAsDouble());
      }
    }

    @Override
    public OptionalDouble read(JsonReader in) throws IOException {
      if (in.peek() == com.google.gson.stream.JsonToken.NULL) {
        in.nextNull();
        return OptionalDouble.empty();
      }
      return OptionalDouble.of(in.nextDouble());
    }
  }
}
