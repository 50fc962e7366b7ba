import io.rlhf4j.api.Rlhf;
import io.rlhf4j.data.Demonstration;
import io.rlhf4j.data.PreferenceDataset;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.reward.RewardConfig;
import io.rlhf4j.djl.train.sft.SftConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

public class QuickStart {
  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]); // a Hugging Face or llama2.c model folder
    Path data = Path.of(args[1]); // your JSONL files (formats: README, "Preference data")
    Path out = Path.of(args[2]); // checkpoints, metrics and the policy; rerun to resume

    List<Demonstration> demonstrations =
        Jsonl.demonstrations(data.resolve("demonstrations.jsonl"), ReadOptions.strict()).readAll();
    PreferenceDataset rankings =
        PreferenceDataset.of(
            Jsonl.rankings(data.resolve("rankings.jsonl"), ReadOptions.strict()).readAll());
    List<String> prompts = Files.readAllLines(data.resolve("prompts.txt"));

    try (Rlhf.Result result =
        Rlhf.sft(model, demonstrations, SftConfig.builder().epochs(2).build()) // 1. SFT
            .thenRewardModel(rankings, RewardConfig.builder().epochs(2).build()) // 2. reward model
            .thenPpo(prompts, PpoConfig.builder().adaptiveKl(6, 10_000).build(), 4) // 3. PPO
            .run(out)) {
      System.out.println("policy saved to " + result.policyFolder());
    }
  }
}
