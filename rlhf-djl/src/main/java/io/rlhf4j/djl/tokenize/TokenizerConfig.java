package io.rlhf4j.djl.tokenize;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.rlhf4j.djl.tensor.ModelFormatException;
import io.rlhf4j.internal.io.AtomicFiles;
import io.rlhf4j.internal.io.InputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A tokenizer's {@code tokenizer_config.json} and {@code special_tokens_map.json}: the special
 * tokens' texts and the chat template that {@code transformers} reads beside {@code
 * tokenizer.json}. Kept as read (unknown keys included) and written back with a saved model, so an
 * instruct model keeps its template on the way in and out; for a model that had none they are
 * derived from the tokenizer's own special tokens.
 *
 * @param config the {@code tokenizer_config.json} object
 * @param specialTokensMap the {@code special_tokens_map.json} object
 */
public record TokenizerConfig(JsonObject config, JsonObject specialTokensMap)
    implements java.io.Serializable {
  /** The tokenizer config's file name. */
  public static final String FILE = "tokenizer_config.json";

  /** The special-tokens map's file name. */
  public static final String SPECIAL_TOKENS_FILE = "special_tokens_map.json";

  private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().create();

  /** Copies both objects, so the record is immutable. */
  public TokenizerConfig {
    config = checkNotNull(config, "config").deepCopy();
    specialTokensMap = checkNotNull(specialTokensMap, "specialTokensMap").deepCopy();
  }

  /**
   * Reads {@code folder}'s {@code tokenizer_config.json} (and {@code special_tokens_map.json} if
   * present), or empty if the folder has no tokenizer config.
   *
   * @throws ModelFormatException if a file is not a JSON object
   */
  public static Optional<TokenizerConfig> read(Path folder) {
    Path file = folder.resolve(FILE);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    JsonObject config = object(file);
    Path map = folder.resolve(SPECIAL_TOKENS_FILE);
    JsonObject special = Files.exists(map) ? object(map) : specialTokens(config);
    return Optional.of(new TokenizerConfig(config, special));
  }

  /**
   * The config {@code transformers} needs for a tokenizer that came without one: its BOS, EOS and
   * unknown tokens, named by their text in {@code tokenizerJson}'s added tokens.
   */
  public static TokenizerConfig derived(
      String tokenizerJson, OptionalInt bos, OptionalInt eos, String tokenizerClass) {
    JsonObject root = JsonParser.parseString(tokenizerJson).getAsJsonObject();
    JsonObject config = new JsonObject();
    config.addProperty("tokenizer_class", tokenizerClass);
    bos.ifPresent(id -> addedToken(root, id).ifPresent(t -> config.addProperty("bos_token", t)));
    eos.ifPresent(id -> addedToken(root, id).ifPresent(t -> config.addProperty("eos_token", t)));
    config.addProperty("clean_up_tokenization_spaces", false);
    return new TokenizerConfig(config, specialTokens(config));
  }

  /** The chat template, if the tokenizer has one (the default one, when several are named). */
  public Optional<ChatTemplate> chatTemplate() {
    JsonElement t = config.get("chat_template");
    String source = null;
    if (t != null && t.isJsonPrimitive()) {
      source = t.getAsString();
    } else if (t != null && t.isJsonArray()) {
      // A list of {name, template}: transformers uses the one named "default".
      for (JsonElement named : t.getAsJsonArray()) {
        JsonObject o = named.getAsJsonObject();
        if (o.has("name") && o.get("name").getAsString().equals("default")) {
          source = o.get("template").getAsString();
        }
      }
    }
    return source == null
        ? Optional.empty()
        : Optional.of(
            new ChatTemplate(source, token("bos_token").orElse(""), token("eos_token").orElse("")));
  }

  /** This config with {@code template} as its chat template. */
  public TokenizerConfig withChatTemplate(String template) {
    JsonObject copy = config.deepCopy();
    copy.addProperty("chat_template", template);
    return new TokenizerConfig(copy, specialTokensMap);
  }

  /**
   * The text of a special token ({@code bos_token}, {@code eos_token}, ...), written either as a
   * string or as an added-token object with a {@code content}.
   */
  public Optional<String> token(String key) {
    return tokenText(config.get(key));
  }

  /** A true/false setting such as {@code add_bos_token}, if the file gives one. */
  public Optional<Boolean> flag(String key) {
    JsonElement e = config.get(key);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()
        ? Optional.of(e.getAsBoolean())
        : Optional.empty();
  }

  /** A string setting such as {@code tokenizer_class}, if the file gives one. */
  public Optional<String> string(String key) {
    JsonElement e = config.get(key);
    return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()
        ? Optional.of(e.getAsString())
        : Optional.empty();
  }

  /** Writes both files into {@code folder}, each atomically. */
  public void write(Path folder) throws IOException {
    AtomicFiles.writeString(folder.resolve(FILE), PRETTY.toJson(config) + "\n");
    AtomicFiles.writeString(
        folder.resolve(SPECIAL_TOKENS_FILE), PRETTY.toJson(specialTokensMap) + "\n");
  }

  private static JsonObject specialTokens(JsonObject config) {
    JsonObject map = new JsonObject();
    for (String key : new String[] {"bos_token", "eos_token", "unk_token", "pad_token"}) {
      tokenText(config.get(key)).ifPresent(t -> map.addProperty(key, t));
    }
    return map;
  }

  private static Optional<String> tokenText(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return Optional.empty();
    }
    if (e.isJsonPrimitive()) {
      return Optional.of(e.getAsString());
    }
    if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
      return Optional.of(e.getAsJsonObject().get("content").getAsString());
    }
    return Optional.empty();
  }

  private static Optional<String> addedToken(JsonObject tokenizer, int id) {
    if (tokenizer.has("added_tokens")) {
      for (JsonElement t : tokenizer.getAsJsonArray("added_tokens")) {
        JsonObject o = t.getAsJsonObject();
        if (o.get("id").getAsInt() == id) {
          return Optional.of(o.get("content").getAsString());
        }
      }
    }
    return Optional.empty();
  }

  private static JsonObject object(Path file) {
    try {
      JsonElement e = JsonParser.parseString(InputFiles.readUtf8(file));
      if (!e.isJsonObject()) {
        throw new ModelFormatException(file, "expected a JSON object");
      }
      return e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new ModelFormatException(file, "invalid JSON");
    } catch (IOException e) {
      throw new ModelFormatException(file, "cannot read: " + InputFiles.describe(e), e);
    }
  }

  // Gson's trees are not serialisable; their JSON text is, and parses back to the same config.
  private Object writeReplace() {
    return new SerialForm(config.toString(), specialTokensMap.toString());
  }

  /** What a {@link TokenizerConfig} is serialised as: its two files' text. */
  private record SerialForm(String config, String specialTokensMap)
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private Object readResolve() {
      return new TokenizerConfig(
          JsonParser.parseString(config).getAsJsonObject(),
          JsonParser.parseString(specialTokensMap).getAsJsonObject());
    }
  }
}
