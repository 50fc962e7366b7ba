import io.rlhf4j.api.Rlhf;
import io.rlhf4j.data.PreferenceDataset;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.djl.train.ppo.PpoConfig;
import io.rlhf4j.djl.train.reward.RewardConfig;
import io.rlhf4j.djl.train.sft.SftConfig;
import java.nio.file.Files;
import java.nio.file.Path;

public class QuickStart {
  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]); // a Hugging Face or llama2.c model folder
    Path data = Path.of(args[1]); // your JSONL files (formats: README, "Preference data")
    Path out = Path.of(args[2]); // checkpoints, metrics and the policy; rerun to resume

    var demonstrations = Jsonl.demonstrations(data.resolve("demonstrations.jsonl")).readAll();
    var rankings = PreferenceDataset.of(Jsonl.rankings(data.resolve("rankings.jsonl")).readAll());
    var prompts = Files.readAllLines(data.resolve("prompts.txt"));

    try (Rlhf.Result result =
        Rlhf.sft(model, demonstrations, SftConfig.builder().epochs(2).build()) // 1. SFT
            .thenRewardModel(rankings, RewardConfig.builder().epochs(2).build()) // 2. reward model
            .thenPpo(prompts, PpoConfig.builder().adaptiveKl(6, 10_000).build(), 4) // 3. PPO
            .run(out)) {
      System.out.println("policy saved to " + result.policyFolder());
    }
  }
}
