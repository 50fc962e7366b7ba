package io.rlhf4j.examples.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.model.LoraConfig;
import io.rlhf4j.djl.tokenize.ChatFormat;
import io.rlhf4j.djl.tokenize.ChatTemplate;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.tokenize.TokenizerConfig;
import io.rlhf4j.train.ConsoleProgress;
import io.rlhf4j.train.JsonlMetricsWriter;
import io.rlhf4j.train.MetricsListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every training command shares: the model and run folder, a config file, field names, seed,
 * held-out share and LoRA; and what it does around training: check the run folder's settings (a
 * rerun with the same ones resumes, other ones are refused), save the resolved config, print the
 * device, show progress and write {@code metrics.jsonl}.
 */
public abstract class TrainCommand implements Callable<Integer> {
  /** The metrics file in the run folder, one JSON object per step. */
  public static final String METRICS = "metrics.jsonl";

  @Spec CommandSpec spec;

  // The --config file read before parsing, to locate its bad values; null without one.
  private ConfigFile configFile;

  @Option(
      names = {"-c", "--config"},
      description =
          "YAML or JSON file of option values (keys are option names without dashes); options"
              + " on the command line override it")
  Path config;

  @Option(
      names = {"-m", "--model"},
      description = "base model folder: Hugging Face or llama2.c (required)")
  Path model;

  @Option(
      names = {"-o", "--out"},
      description = "run folder: checkpoints, metrics, config.yaml, policy/ (required)")
  Path out;

  @Option(
      names = "--seed",
      description = "seed of splits, order, sampling (default: ${DEFAULT-VALUE})")
  long seed = 0;

  @Option(
      names = "--held-out-fraction",
      description = "share of prompts held out for evaluation (default: ${DEFAULT-VALUE})")
  double heldOutFraction = 0.1;

  @Option(
      names = "--checkpoint-every",
      description =
          "checkpoint SFT, reward and DPO stages every this many steps, so a kill loses at most"
              + " that many; 0 only at a stage's end (default: ${DEFAULT-VALUE})")
  int checkpointEvery = 100;

  @Option(
      names = "--gradient-checkpointing",
      description =
          "recompute each layer in the backward pass of every stage: one layer's activations in"
              + " memory instead of all, for one more forward pass of compute")
  boolean gradientCheckpointing;

  @Option(
      names = "--lora-rank",
      description = "LoRA rank; 0 trains every weight (default: ${DEFAULT-VALUE})")
  int loraRank = 0;

  @Option(names = "--lora-alpha", description = "LoRA alpha (default: ${DEFAULT-VALUE})")
  double loraAlpha = 16;

  @Option(
      names = "--skip-invalid",
      description = "skip bad records of the data files (each is logged) instead of stopping")
  boolean skipInvalid;

  @Mixin FieldOptions fields;

  @Option(
      names = "--chat",
      description =
          "conversational data: records of messages (role, content), rendered with the model's"
              + " chat template; SFT learns the assistant turns only")
  boolean chat;

  @Option(
      names = "--chat-date",
      description =
          "the date a chat template prints (Llama 3.x's 'Today Date'), YYYY-MM-DD; default: the"
              + " day it renders, as transformers does. Set it to resume a chat run on another day")
  java.time.LocalDate chatDate;

  @Option(
      names = "--no-thinking",
      description =
          "render the chat template with enable_thinking=false (Qwen3: the prompt closes an empty"
              + " <think> block, so the model answers without reasoning first)")
  boolean noThinking;

  @Option(
      names = "--chat-template",
      description = "a Jinja chat template file to use instead of the model's (implies --chat)")
  Path chatTemplate;

  @Override
  public final Integer call() throws Exception {
    if (model == null) {
      throw new ParameterException(spec.commandLine(), "missing --model (or 'model' in --config)");
    }
    if (out == null) {
      throw new ParameterException(spec.commandLine(), "missing --out (or 'out' in --config)");
    }
    validate();
    chatFormat = resolveChatFormat();
    // Every input is read and checked before the run folder is touched: a first attempt that
    // fails on a missing file, a wrong field or a wrong model path leaves nothing behind, so the
    // corrected rerun is not refused as "a run with other settings".
    PretrainedModel.check(model);
    Training training = prepare();
    Files.createDirectories(out);
    ResolvedConfig.checkOrWrite(out, ResolvedConfig.of(spec));
    Device device = Engine.getInstance().defaultDevice();
    System.err.printf("%s on %s, writing to %s%n", spec.name(), device, out);
    training.run(device);
    System.err.println("policy: " + out.resolve("policy").toAbsolutePath().normalize());
    return 0;
  }

  /** Checks option values against each other before any work; throws ParameterException. */
  protected void validate() {}

  /**
   * Reads and checks every input of the command (data files, settings) and returns the training to
   * run on them; writes nothing. Called after {@link #validate} and before the run folder is
   * created.
   */
  protected abstract Training prepare() throws IOException;

  /** The training of a command whose inputs are read: everything goes under {@link #out}. */
  @FunctionalInterface
  protected interface Training {
    /** Trains on {@code device}. */
    void run(Device device) throws IOException;
  }

  /**
   * The chat format of {@code --chat}: the template of {@code --chat-template}, or the one in the
   * model's {@code tokenizer_config.json}; null without {@code --chat}. Resolved once, before any
   * work, so a missing template is refused before the run folder is written.
   */
  protected ChatFormat chatFormat;

  /** The text of {@code --chat-template}, saved with the trained model; null without it. */
  protected String chatTemplateText;

  private ChatTemplate dated(ChatTemplate template) {
    ChatTemplate t = chatDate == null ? template : template.withDate(chatDate);
    return noThinking ? t.withVariable("enable_thinking", false) : t;
  }

  private ChatFormat resolveChatFormat() throws IOException {
    if (!chat && chatTemplate == null) {
      return null;
    }
    Optional<TokenizerConfig> config = TokenizerConfig.read(model);
    String bos = config.flatMap(c -> c.token("bos_token")).orElse("");
    String eos = config.flatMap(c -> c.token("eos_token")).orElse("");
    if (chatTemplate != null) {
      chatTemplateText = Files.readString(chatTemplate);
      return new ChatFormat(dated(new ChatTemplate(chatTemplateText, bos, eos)));
    }
    return new ChatFormat(
        config
            .flatMap(TokenizerConfig::chatTemplate)
            .map(this::dated)
            .orElseThrow(
                () ->
                    usage(
                        model.resolve(TokenizerConfig.FILE)
                            + " has no chat_template; give one with --chat-template FILE")));
  }

  /** {@code tokenizer} as the trained model is saved with it: with the user's chat template. */
  protected SavableTokenizer forSaving(SavableTokenizer tokenizer) {
    return chatTemplateText == null ? tokenizer : tokenizer.withChatTemplate(chatTemplateText);
  }

  /** The user's files as this command reads them: field names, strictness, chat format. */
  protected UserData userData() {
    return new UserData(
        fields, skipInvalid ? ReadOptions.skipping() : ReadOptions.strict(), chatFormat);
  }

  /** The LoRA settings, or null when every weight is trained. */
  protected LoraConfig lora() {
    return loraRank == 0
        ? null
        : LoraConfig.builder().rank(loraRank).alpha(loraAlpha).seed(seed).build();
  }

  /** Progress on stderr and every step in {@code RUN/metrics.jsonl}. */
  protected List<MetricsListener> listeners(String... shown) {
    return List.of(ConsoleProgress.onStderr(shown), new JsonlMetricsWriter(out.resolve(METRICS)));
  }

  /** A usage error naming an option. */
  protected ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /**
   * If {@code args} names a training command and a {@code --config} file, makes that file's values
   * the command's defaults, so the command line still overrides them. Runs before parsing, since
   * defaults must be in place when picocli applies them.
   *
   * @throws io.rlhf4j.data.DataFormatException naming the file, line and key of a bad entry
   */
  public static void applyConfigFile(CommandLine root, String[] args) throws IOException {
    if (args.length == 0) {
      return;
    }
    CommandLine command = root.getSubcommands().get(args[0]);
    if (command == null || !(command.getCommand() instanceof TrainCommand)) {
      return;
    }
    Path file = configArgument(args);
    if (file == null) {
      return;
    }
    // Every long name of an option is a key: an option renamed with its old name kept as an
    // alias (sft's --data) still reads older config files.
    Map<String, OptionSpec> byName = new HashMap<>();
    for (OptionSpec o : command.getCommandSpec().options()) {
      if (o.usageHelp() || o.versionHelp()) {
        continue;
      }
      for (String name : o.names()) {
        if (name.startsWith("--") && !name.equals("--config")) {
          byName.put(name.substring(2), o);
        }
      }
    }
    ConfigFile values = ConfigFile.read(file, byName.keySet());
    ((TrainCommand) command.getCommand()).configFile = values;
    command.setDefaultValueProvider(
        arg -> {
          if (!(arg instanceof OptionSpec o)) {
            return null;
          }
          for (String name : o.names()) {
            if (name.startsWith("--") && values.value(name.substring(2)) != null) {
              return values.value(name.substring(2));
            }
          }
          return null;
        });
  }

  /**
   * {@code message} about a bad option value, located in the config file when the value came from
   * there: {@code FILE:LINE: field 'epochs': ...}, since the command line the user typed does not
   * hold it.
   */
  public String locate(ParameterException e, String message) {
    if (configFile == null || !(e.getArgSpec() instanceof OptionSpec o)) {
      return message;
    }
    for (String name : o.names()) {
      String key = name.replaceFirst("^-+", "");
      String value = configFile.value(key);
      if (value != null && message.contains("'" + value + "'")) {
        return configFile.file() + ":" + configFile.line(key) + ": field '" + key + "': " + message;
      }
    }
    return message;
  }

  private static Path configArgument(String[] args) {
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if ((a.equals("--config") || a.equals("-c")) && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (a.startsWith("--config=")) {
        return Path.of(a.substring("--config=".length()));
      }
    }
    return null;
  }
}
