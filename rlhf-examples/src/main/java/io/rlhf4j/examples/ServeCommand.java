package io.rlhf4j.examples;

import ai.djl.engine.Engine;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.serve.ModelServer;
import io.rlhf4j.djl.tokenize.ChatFormat;
import io.rlhf4j.djl.tokenize.ChatTemplate;
import io.rlhf4j.djl.tokenize.TokenizerConfig;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code serve}: a model folder (with an adapter) over OpenAI's completions and chat-completions
 * protocol ({@link ModelServer}) until the process is stopped; the address goes to stdout.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serve a model over OpenAI's /v1/completions and /v1/chat/completions until stopped.")
final class ServeCommand implements Callable<Integer> {
  @Option(
      names = {"-m", "--model"},
      description = "model folder, Hugging Face or llama2.c (default: ${DEFAULT-VALUE})")
  Path model = Path.of(GenerateCommand.DEFAULT_MODEL);

  @Option(names = "--adapter", description = "a PEFT adapter folder to apply to the model")
  Path adapter;

  @Option(
      names = "--chat-template",
      description = "a Jinja chat template file (default: the model's tokenizer_config.json)")
  Path chatTemplate;

  @Option(names = "--host", description = "address to listen on (default: ${DEFAULT-VALUE})")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "port, 0 for any free one (default: ${DEFAULT-VALUE})")
  int port = 8000;

  @Option(names = "--name", description = "the model's name in answers (default: the folder's)")
  String name;

  @Override
  public Integer call() throws Exception {
    try (PretrainedModel loaded =
        GenerateCommand.load(model, adapter, false, Engine.getInstance().defaultDevice())) {
      Optional<TokenizerConfig> config = TokenizerConfig.read(model);
      String bos = config.flatMap(c -> c.token("bos_token")).orElse("");
      String eos = config.flatMap(c -> c.token("eos_token")).orElse("");
      ChatFormat chat =
          chatTemplate != null
              ? new ChatFormat(new ChatTemplate(Files.readString(chatTemplate), bos, eos))
              : config.flatMap(TokenizerConfig::chatTemplate).map(ChatFormat::new).orElse(null);
      String served =
          name != null ? name : model.toAbsolutePath().normalize().getFileName().toString();
      try (ModelServer server =
          new ModelServer(
              new DjlPolicy(loaded.model(), loaded.tokenizer()),
              served,
              chat,
              new InetSocketAddress(host, port))) {
        System.out.println(server.url());
        System.out.flush();
        if (chat == null) {
          System.err.println(
              "no chat template: only /v1/completions answers (give one with --chat-template)");
        }
        new CountDownLatch(1).await(); // until the process is stopped
      }
    }
    return 0;
  }
}
