package io.rlhf4j.episode;

import io.rlhf4j.internal.json.Json;
import io.rlhf4j.internal.json.JsonParseException;
import io.rlhf4j.internal.json.JsonWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Llama 3.1 / 3.2 / 3.3's JSON tool calling, as their chat templates render it with {@code tools=}:
 * a turn that calls a tool is one JSON object and nothing else,
 *
 * <pre>
 *   {"name": "lookup", "parameters": {"word": "otter"}}
 * </pre>
 *
 * <p>ended by {@code <|eot_id|>}; each result comes back as an {@code ipython} message, the string
 * JSON-quoted (the template sends any string through {@code tojson}, since a Jinja2 string "is
 * iterable"), then the next assistant header. One call per turn, as the template allows.
 */
public final class LlamaToolFormat implements ToolCallFormat {
  private static final String IPYTHON = "<|start_header_id|>ipython<|end_header_id|>\n\n";
  private static final String ASSISTANT = "<|start_header_id|>assistant<|end_header_id|>\n\n";
  private static final String PYTHON_TAG = "<|python_tag|>";

  @Override
  public ParsedTurn parse(String turn) {
    String body = turn.strip();
    if (body.startsWith(PYTHON_TAG)) {
      body = body.substring(PYTHON_TAG.length()).strip();
    }
    if (!body.startsWith("{")) {
      return new ParsedTurn(List.of(), List.of()); // prose: the final answer
    }
    try {
      Map<String, Object> call = Json.parseObject(body);
      Object name = call.get("name");
      // The template writes "parameters"; some fine-tunes write OpenAI's "arguments".
      Object args = call.containsKey("parameters") ? call.get("parameters") : call.get("arguments");
      if (!(name instanceof String n) || n.isBlank()) {
        return error("tool call without a \"name\": " + body);
      }
      if (args == null) {
        args = Map.of();
      }
      if (!(args instanceof Map<?, ?> map)) {
        return error("tool call \"parameters\" must be an object: " + body);
      }
      Map<String, Object> values = new LinkedHashMap<>();
      map.forEach((k, v) -> values.put(String.valueOf(k), v));
      return new ParsedTurn(List.of(new ToolCall(n, new ToolArguments(values))), List.of());
    } catch (JsonParseException | IllegalArgumentException e) {
      return error("tool call is not valid JSON (" + e.getMessage() + "): " + body);
    }
  }

  private static ParsedTurn error(String message) {
    return new ParsedTurn(List.of(), List.of(message));
  }

  @Override
  public String callText(ToolCall call) {
    return "{\"name\": \""
        + call.name()
        + "\", \"parameters\": "
        + JsonWriter.writeSpaced(call.arguments().values())
        + "}";
  }

  @Override
  public String observation(List<String> results) {
    StringBuilder sb = new StringBuilder();
    for (String r : results) {
      sb.append(IPYTHON).append(JsonWriter.writeSpaced(r)).append("<|eot_id|>");
    }
    return sb.append(ASSISTANT).toString();
  }

  @Override
  public String describe(List<Tool> tools) {
    StringBuilder sb = new StringBuilder();
    for (Tool t : tools) {
      sb.append(JsonWriter.writeIndented(t.schema(), 4)).append("\n\n");
    }
    return sb.toString();
  }
}
