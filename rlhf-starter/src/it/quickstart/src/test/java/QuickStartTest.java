import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Runs README's quick start as its user would, and checks the policy folder it promises. */
class QuickStartTest {
  @Test
  void quickStartTrainsAndSavesAPolicy() throws Exception {
    Path shared = Path.of(System.getProperty("rlhf4j.shared"));
    Path out = Path.of("target", "run");
    QuickStart.main(
        new String[] {
          shared.resolve("models/stories260K").toString(), "data", out.toString()
        });
    Path policy = out.resolve("policy");
    assertTrue(Files.isRegularFile(policy.resolve("config.json")), "config.json");
    assertTrue(Files.isRegularFile(policy.resolve("model.safetensors")), "model.safetensors");
    assertTrue(Files.isRegularFile(policy.resolve("tokenizer.json")), "tokenizer.json");
    // SFT, reward and PPO each left their steps in the history.
    String history = Files.readString(out.resolve("history.jsonl"));
    for (String stage : new String[] {"sft", "reward", "ppo"}) {
      assertTrue(history.contains(stage), "history has " + stage);
    }
  }
}
