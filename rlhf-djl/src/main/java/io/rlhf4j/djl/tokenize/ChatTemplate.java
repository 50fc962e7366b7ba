package io.rlhf4j.djl.tokenize;

import static com.google.common.base.Preconditions.checkNotNull;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import io.rlhf4j.data.ChatMessage;
import io.rlhf4j.internal.json.JsonWriter;
import java.time.LocalDate;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face chat template ({@code tokenizer_config.json}'s {@code chat_template}, Jinja2)
 * rendered by HubSpot's Jinjava with the settings {@code transformers} uses: {@code trim_blocks}
 * and {@code lstrip_blocks} on, {@code raise_exception} available, and {@code messages}, {@code
 * add_generation_prompt}, {@code bos_token} and {@code eos_token} in scope.
 */
public final class ChatTemplate {
  private static final Jinjava JINJA = newEngine();

  private final String source;
  private final String runnable;
  private final String bosToken;
  private final String eosToken;
  private final LocalDate date; // null: today, when rendered
  private final Map<String, Object> variables; // extra keyword arguments, e.g. enable_thinking

  /**
   * @param source the template text
   * @param bosToken the text of the tokenizer's BOS token ({@code bos_token}), or "" if none
   * @param eosToken the text of its EOS token ({@code eos_token}), or "" if none
   */
  public ChatTemplate(String source, String bosToken, String eosToken) {
    this.source = checkNotNull(source, "source");
    this.runnable = jinja2Precedence(this.source);
    this.bosToken = checkNotNull(bosToken, "bosToken");
    this.eosToken = checkNotNull(eosToken, "eosToken");
    this.date = null;
    this.variables = Map.of();
  }

  private ChatTemplate(ChatTemplate t, LocalDate date, Map<String, Object> variables) {
    this.source = t.source;
    this.runnable = t.runnable;
    this.bosToken = t.bosToken;
    this.eosToken = t.eosToken;
    this.date = date;
    this.variables = Map.copyOf(variables);
  }

  /**
   * This template with {@code strftime_now} answering {@code date} instead of today. Templates that
   * print the date (Llama 3.x's "Today Date: ...") then render the same text on any day, so a run
   * resumed tomorrow reads the prompts it started with.
   */
  public ChatTemplate withDate(LocalDate date) {
    return new ChatTemplate(this, checkNotNull(date, "date"), variables);
  }

  /**
   * This template with one more variable in scope, as {@code apply_chat_template(..., name=value)}
   * passes its extra keyword arguments: {@code withVariable("enable_thinking", false)} switches
   * Qwen3's thinking off (its generation prompt then ends in an empty {@code <think>} block).
   */
  public ChatTemplate withVariable(String name, Object value) {
    Map<String, Object> more = new LinkedHashMap<>(variables);
    more.put(checkNotNull(name, "name"), checkNotNull(value, "value"));
    return new ChatTemplate(this, date, more);
  }

  /** The template text. */
  public String source() {
    return source;
  }

  /** The BOS token's text. */
  public String bosToken() {
    return bosToken;
  }

  /** The EOS token's text. */
  public String eosToken() {
    return eosToken;
  }

  /**
   * The conversation as text, as {@code tokenizer.apply_chat_template(messages, tokenize=False,
   * add_generation_prompt=...)} writes it.
   *
   * @throws IllegalArgumentException naming the template's complaint (its {@code raise_exception}
   *     message, or a syntax error)
   */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    List<Map<String, Object>> turns = new ArrayList<>();
    for (ChatMessage m : messages) {
      Map<String, Object> turn = new LinkedHashMap<>();
      turn.put("role", m.role());
      turn.put("content", m.content());
      turns.add(turn);
    }
    return render(turns, List.of(), addGenerationPrompt);
  }

  /**
   * The conversation as text with tools, as {@code apply_chat_template(messages, tools=tools,
   * tokenize=False, add_generation_prompt=...)} writes it: messages as transformers takes them
   * ({@code role}, {@code content}, an assistant's {@code tool_calls}), tools as their function
   * schemas ({@code Tool.schema()}). {@code tojson} writes Python's spelling (a space after {@code
   * ,} and {@code :}), as transformers' does.
   */
  public String render(
      List<Map<String, Object>> messages,
      List<Map<String, Object>> tools,
      boolean addGenerationPrompt) {
    Map<String, Object> context = new HashMap<>(variables);
    context.put("messages", messages);
    if (!tools.isEmpty()) {
      context.put("tools", tools);
    }
    context.put("add_generation_prompt", addGenerationPrompt);
    context.put("bos_token", bosToken);
    context.put("eos_token", eosToken);
    // transformers passes strftime_now; a template tests `strftime_now is defined` before calling.
    context.put("strftime_now", "strftime_now");
    context.put(TODAY, date != null ? date : LocalDate.now());
    var result = JINJA.renderForResult(runnable, context);
    for (TemplateError e : result.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new IllegalArgumentException("chat template: " + message(e));
      }
    }
    return result.getOutput();
  }

  // `not x is test` is `not (x is test)` in Jinja2, whose tests bind tighter than `not`; Jinjava
  // reads `(not x) is test`, so Llama 3's `{%- if not tools is defined %}` would drop the tools.
  // The operand is a name with attribute or index lookups, as templates write it.
  private static final Pattern NOT_IS =
      Pattern.compile(
          "\\bnot\\s+([A-Za-z_][\\w.]*(?:\\[[^\\]]*\\][\\w.]*)*)\\s+is\\s+((?:not\\s+)?[A-Za-z_]\\w*)");
  private static final Pattern REVERSED = Pattern.compile("([A-Za-z_][\\w.]*)\\[::-1\\]");
  private static final Pattern TAG = Pattern.compile("\\{[%{].*?[%}]\\}", Pattern.DOTALL);

  /**
   * {@code source} with every {@code not x is test} inside a tag parenthesised as Jinja2 reads it.
   */
  static String jinja2Precedence(String source) {
    Matcher tag = TAG.matcher(source);
    StringBuilder out = new StringBuilder();
    while (tag.find()) {
      String fixed = keywordArguments(NOT_IS.matcher(tag.group()).replaceAll("not ($1 is $2)"));
      // Jinjava parses no slice step: `xs[::-1]` is `xs|reverse` (Qwen3's template).
      fixed = REVERSED.matcher(fixed).replaceAll("($1|reverse)");
      tag.appendReplacement(out, Matcher.quoteReplacement(fixed));
    }
    tag.appendTail(out);
    return out.toString();
  }

  // `namespace(k=a|length - 1)`: Jinja2 binds a keyword argument's `=` loosest, Jinjava binds it
  // before `-`, so each value is parenthesised: `namespace(k=(a|length - 1))` (Qwen3's template).
  private static String keywordArguments(String tag) {
    String call = "namespace(";
    StringBuilder out = new StringBuilder();
    int from = 0;
    int at;
    while ((at = tag.indexOf(call, from)) >= 0) {
      int open = at + call.length();
      // One pass to the closing parenthesis, splitting at the commas between arguments (outside
      // quotes and brackets).
      List<String> parts = new ArrayList<>();
      int depth = 1;
      char quote = 0;
      int start = open;
      int close = -1;
      for (int i = open; i < tag.length() && close < 0; i++) {
        char c = tag.charAt(i);
        if (quote != 0) {
          quote = c == quote ? 0 : quote;
        } else if (c == '\'' || c == '"') {
          quote = c;
        } else if (c == '(' || c == '[' || c == '{') {
          depth++;
        } else if ((c == ')' || c == ']' || c == '}') && --depth == 0) {
          close = i;
          parts.add(tag.substring(start, i));
        } else if (c == ',' && depth == 1) {
          parts.add(tag.substring(start, i));
          start = i + 1;
        }
      }
      if (close < 0) {
        break;
      }
      List<String> wrapped = new ArrayList<>();
      for (String part : parts) {
        Matcher kw = KEYWORD.matcher(part);
        wrapped.add(kw.matches() ? kw.group(1) + "=(" + kw.group(2) + ")" : part);
      }
      out.append(tag, from, open).append(String.join(",", wrapped)).append(')');
      from = close + 1;
    }
    return out.append(tag.substring(from)).toString();
  }

  private static final Pattern KEYWORD =
      Pattern.compile("(\\s*[A-Za-z_]\\w*\\s*)=(?!=)(.*)", Pattern.DOTALL);

  private static String message(TemplateError e) {
    Throwable cause = e.getException();
    while (cause != null) {
      if (cause instanceof TemplateException t) {
        return t.getMessage();
      }
      cause = cause.getCause();
    }
    return e.getMessage() + (e.getLineno() > 0 ? " (template line " + e.getLineno() + ")" : "");
  }

  // Python's string methods first, then Jinjava's own (read-only) resolution.
  private static jinjava.javax.el.ELResolver pythonResolver() {
    jinjava.javax.el.CompositeELResolver resolver = new jinjava.javax.el.CompositeELResolver();
    resolver.add(new PythonStringMethods());
    resolver.add(com.hubspot.jinjava.el.JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    return resolver;
  }

  private static Jinjava newEngine() {
    Jinjava jinja =
        new Jinjava(
            JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                .withElResolver(pythonResolver())
                // Jinja2's semantics where Jinjava keeps older defaults for its own users:
                // {{- and -}} trim around expressions, as Qwen's templates rely on, and Python's
                // operator precedence.
                .withLegacyOverrides(
                    LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .build())
                .build());
    jinja
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", String.class));
    jinja
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
    jinja.getGlobalContext().registerFilter(new PythonToJson());
    jinja.getGlobalContext().registerExpTest(new PythonIterable());
    return jinja;
  }

  /**
   * {@code tojson} as transformers' template environment defines it ({@code json.dumps} with its
   * default separators, non-ASCII kept): Jinjava's own writes no spaces, and a tool schema rendered
   * that way is not the text the model was trained on.
   */
  private static final class PythonToJson implements AdvancedFilter {
    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(
        Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object indent = kwargs.get("indent");
      return indent instanceof Number n
          ? JsonWriter.writeIndented(inOrder(var), n.intValue())
          : JsonWriter.writeSpaced(inOrder(var));
    }

    // Jinjava hands maps over in its own wrappers, which JsonWriter would sort; Python writes a
    // dict in insertion order, so copy into ordered maps first.
    private static Object inOrder(Object value) {
      if (value instanceof Map<?, ?> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(String.valueOf(k), inOrder(v)));
        return copy;
      }
      if (value instanceof Iterable<?> list && !(value instanceof String)) {
        List<Object> copy = new ArrayList<>();
        list.forEach(v -> copy.add(inOrder(v)));
        return copy;
      }
      return value;
    }
  }

  /**
   * {@code raise_exception(message)}, which Hugging Face templates call to refuse a conversation
   * (e.g. roles that do not alternate).
   *
   * @param message the template's complaint
   * @return never
   */
  public static String raiseException(String message) {
    throw new TemplateException(message);
  }

  /**
   * Jinja2's {@code is iterable}: true for strings too, which Jinjava's test is not. Llama 3.2's
   * template relies on it ({@code message.content is iterable} sends a string tool result through
   * {@code tojson}, so it is written quoted).
   */
  private static final class PythonIterable implements ExpTest {
    @Override
    public String getName() {
      return "iterable";
    }

    @Override
    public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
      return var instanceof String
          || var instanceof Iterable<?>
          || var instanceof Map<?, ?>
          || (var != null && var.getClass().isArray());
    }
  }

  // The render's date, in its context (functions are static).
  private static final String TODAY = "__rlhf4j_today";

  /**
   * {@code strftime_now(format)} as transformers defines it ({@code datetime.now().strftime}), for
   * the render's date: {@code %d %m %Y %y %b %B %a %A %j %%}. Time of day is refused: it would make
   * a prompt differ from one second to the next.
   *
   * @param format a Python strftime format
   * @return the date so formatted
   */
  public static String strftimeNow(String format) {
    JinjavaInterpreter current = JinjavaInterpreter.getCurrent();
    LocalDate date =
        current != null && current.getContext().get(TODAY) instanceof LocalDate d
            ? d
            : LocalDate.now();
    return strftime(format, date);
  }

  static String strftime(String format, LocalDate date) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        out.append(c);
        continue;
      }
      char code = format.charAt(++i);
      out.append(
          switch (code) {
            case 'd' -> String.format(Locale.ROOT, "%02d", date.getDayOfMonth());
            case 'm' -> String.format(Locale.ROOT, "%02d", date.getMonthValue());
            case 'Y' -> String.valueOf(date.getYear());
            case 'y' -> String.format(Locale.ROOT, "%02d", date.getYear() % 100);
            case 'b' -> date.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> date.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'a' -> date.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> date.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'j' -> String.format(Locale.ROOT, "%03d", date.getDayOfYear());
            case '%' -> "%";
            default ->
                throw new TemplateException(
                    "strftime_now: %" + code + " is not supported (dates only)");
          });
    }
    return out.toString();
  }

  /** What a template's {@code raise_exception} throws. */
  static final class TemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TemplateException(String message) {
      super(message);
    }
  }
}
