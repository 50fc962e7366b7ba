package io.rlhf4j.episode;

import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import io.rlhf4j.internal.json.JsonWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Calls as JSON inside {@code <tool_call>} tags, results inside {@code <tool_response>} tags: the
 * Hermes layout that Qwen2.5 and Qwen3's chat templates render with {@code tools=}.
 *
 * <pre>
 *   &lt;tool_call&gt;
 *   {"name": "lookup", "arguments": {"word": "otter"}}
 *   &lt;/tool_call&gt;
 * </pre>
 *
 * <p>{@link #qwen()} wraps the results in a user turn and opens the next assistant turn, as Qwen's
 * template does (the policy's turn ends with its {@code <|im_end|>}); {@link #plain()} writes the
 * tagged results alone, for a model without a chat template.
 */
public final class HermesToolFormat implements ToolCallFormat {
  private static final Pattern CALL =
      Pattern.compile("<tool_call>(.*?)</tool_call>", Pattern.DOTALL);
  private static final Pattern UNCLOSED =
      Pattern.compile("<tool_call>(?!.*</tool_call>)", Pattern.DOTALL);

  private final String before;
  private final String after;

  private HermesToolFormat(String before, String after) {
    this.before = before;
    this.after = after;
  }

  /** Qwen2.5 / Qwen3: results in a user turn, then the next assistant turn's header. */
  public static HermesToolFormat qwen() {
    return new HermesToolFormat("\n<|im_start|>user", "<|im_end|>\n<|im_start|>assistant\n");
  }

  /** The same tags without chat roles. */
  public static HermesToolFormat plain() {
    return new HermesToolFormat("", "\n");
  }

  @Override
  public ParsedTurn parse(String turn) {
    List<ToolCall> calls = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    Matcher m = CALL.matcher(turn);
    while (m.find()) {
      String body = m.group(1).strip();
      try {
        Map<String, Object> call = Json.parseObject(body);
        Object name = call.get("name");
        Object arguments = call.getOrDefault("arguments", Map.of());
        // Some models write the arguments as a JSON string, as OpenAI's API carries them.
        if (arguments instanceof String text) {
          arguments = Json.parseObject(text);
        }
        if (!(name instanceof String n) || n.isBlank()) {
          errors.add("tool call without a \"name\": " + body);
        } else if (!(arguments instanceof Map<?, ?> args)) {
          errors.add("tool call \"arguments\" must be an object: " + body);
        } else {
          Map<String, Object> values = new LinkedHashMap<>();
          args.forEach((k, v) -> values.put(String.valueOf(k), v));
          calls.add(new ToolCall(n, new ToolArguments(values)));
        }
      } catch (JsonParseException | IllegalArgumentException e) {
        errors.add("tool call is not valid JSON (" + e.getMessage() + "): " + body);
      }
    }
    if (UNCLOSED.matcher(turn).find()) {
      errors.add("<tool_call> without </tool_call>");
    }
    return new ParsedTurn(calls, errors);
  }

  @Override
  public String callText(ToolCall call) {
    return "<tool_call>\n{\"name\": \""
        + call.name()
        + "\", \"arguments\": "
        + JsonWriter.writeSpaced(call.arguments().values())
        + "}\n</tool_call>";
  }

  @Override
  public String observation(List<String> results) {
    StringBuilder sb = new StringBuilder(before);
    for (String r : results) {
      sb.append("\n<tool_response>\n").append(r).append("\n</tool_response>");
    }
    return sb.append(after).toString();
  }

  @Override
  public String describe(List<Tool> tools) {
    StringBuilder sb = new StringBuilder("Tools:");
    for (Tool t : tools) {
      sb.append('\n').append(JsonWriter.writeSpaced(t.schema()));
    }
    return sb.append('\n').toString();
  }
}
