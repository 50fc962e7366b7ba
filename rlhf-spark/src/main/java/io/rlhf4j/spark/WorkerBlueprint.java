package io.rlhf4j.spark;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.Device;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.DjlRewardModel;
import io.rlhf4j.djl.model.LoraConfig;
import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.djl.train.rollout.RlModels;
import io.rlhf4j.djl.train.rollout.RolloutSettings;
import io.rlhf4j.djl.train.rollout.RolloutWorker;
import io.rlhf4j.model.RewardModel;
import java.io.Serializable;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * How to rebuild a trainer's {@link RolloutWorker} in an executor, broadcast once per trainer: the
 * frozen models' weights (reference, reward model, the base a LoRA view adapts, each once however
 * many roles share it), the shape of the trained ones, the tokenizer and the settings. Built from
 * the driver's own worker, so an executor's models are the driver's, weight for weight.
 */
final class WorkerBlueprint implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * A frozen model: a plain network's weights, or a LoRA view's adapter (and head) on frozen model
   * {@code base}.
   */
  record Frozen(ModelConfig config, Map<String, Tensor> own, int base, LoraConfig lora)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * A trained model's shape: plain ({@code base} −1), or a LoRA view on frozen model {@code base};
   * its weights come with each iteration.
   */
  record Trained(ModelConfig config, int base, LoraConfig lora) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  final long id = new SecureRandom().nextLong();
  final List<Frozen> frozen;
  final int reference;
  final int rewardNet; // -1: rewardObject
  final int rewardBatchSize;
  final RewardModel rewardObject;
  final Trained policy;
  final Trained value; // null without a value model
  final SavableTokenizer tokenizer;
  final RolloutSettings settings;
  final boolean gpu;

  private WorkerBlueprint(Builder b, RolloutWorker worker) {
    this.frozen = List.copyOf(b.frozen);
    this.reference = b.reference;
    this.rewardNet = b.rewardNet;
    this.rewardBatchSize = b.rewardBatchSize;
    this.rewardObject = b.rewardObject;
    this.policy = b.policy;
    this.value = b.value;
    this.tokenizer = worker.tokenizer();
    this.settings = worker.settings();
    this.gpu = worker.policy().manager().getDevice().isGpu();
  }

  /**
   * The blueprint of {@code worker}'s models. The reward model must be a {@link DjlRewardModel} or
   * serialisable, and the tokenizer serialisable (rlhf4j's are).
   */
  static WorkerBlueprint of(RolloutWorker worker) {
    checkArgument(
        worker.tokenizer() instanceof Serializable,
        "the tokenizer (%s) is not serialisable, so executors cannot rebuild it",
        worker.tokenizer().getClass().getName());
    Builder b = new Builder();
    b.reference = b.freeze(worker.reference());
    RewardModel reward = worker.rewardModel();
    if (reward instanceof DjlRewardModel djl) {
      b.rewardNet = b.freeze(djl.model());
      b.rewardBatchSize = djl.batchSize();
    } else {
      checkArgument(
          reward instanceof Serializable,
          "the reward model (%s) is neither a DjlRewardModel nor serialisable, so executors cannot"
              + " rebuild it",
          reward.getClass().getName());
      b.rewardNet = -1;
      b.rewardObject = reward;
    }
    b.policy = b.trained(worker.policy());
    b.value = worker.valueModel() == null ? null : b.trained(worker.valueModel());
    return new WorkerBlueprint(b, worker);
  }

  /** The trained weights of {@code worker}'s models now, as iteration {@code version} uses them. */
  static TrainedWeights weightsOf(RolloutWorker worker, long version) {
    return new TrainedWeights(
        version,
        worker.policy().toTensors(),
        worker.valueModel() == null ? null : worker.valueModel().toTensors());
  }

  /** The frozen payload's size in bytes. */
  long bytes() {
    return frozen.stream().mapToLong(f -> bytes(f.own())).sum();
  }

  static long bytes(Map<String, Tensor> tensors) {
    return 4L * tensors.values().stream().mapToLong(Tensor::size).sum();
  }

  /** Builds the models in this JVM on {@code device}, the trained ones with {@code weights}. */
  ExecutorModels build(Device device, TrainedWeights weights) {
    List<CausalLm> built = new ArrayList<>(frozen.size());
    try {
      for (Frozen f : frozen) {
        built.add(
            f.base() < 0
                ? CausalLm.fromTensors(f.config(), f.own(), device)
                : built.get(f.base()).withLora(f.lora(), f.own()));
      }
      CausalLm policyModel = trained(policy, weights.policy(), built, device);
      built.add(policyModel);
      CausalLm valueModel = value == null ? null : trained(value, weights.value(), built, device);
      if (valueModel != null) {
        built.add(valueModel);
      }
      RewardModel reward =
          rewardNet < 0 ? rewardObject : new DjlRewardModel(built.get(rewardNet), rewardBatchSize);
      RolloutWorker worker =
          new RolloutWorker(
              RlModels.builder(policyModel, reward, tokenizer)
                  .reference(built.get(reference))
                  .valueModel(valueModel)
                  .build(),
              settings);
      return new ExecutorModels(id, built, worker, weights.version());
    } catch (RuntimeException | Error e) {
      ExecutorModels.closeAll(built);
      throw e;
    }
  }

  private static CausalLm trained(
      Trained t, Map<String, Tensor> weights, List<CausalLm> built, Device device) {
    return t.base() < 0
        ? CausalLm.fromTensors(t.config(), weights, device)
        : built.get(t.base()).withLora(t.lora(), weights);
  }

  // Collects frozen models by identity: a base shared by several roles is shipped once.
  private static final class Builder {
    final List<Frozen> frozen = new ArrayList<>();
    final Map<CausalLm, Integer> index = new IdentityHashMap<>();
    int reference;
    int rewardNet;
    int rewardBatchSize;
    RewardModel rewardObject;
    Trained policy;
    Trained value;

    int freeze(CausalLm model) {
      Integer known = index.get(model);
      if (known != null) {
        return known;
      }
      int base = model.isAdapter() ? freeze(model.base()) : -1;
      frozen.add(
          new Frozen(
              model.config(), model.toTensors(), base, model.isAdapter() ? model.lora() : null));
      index.put(model, frozen.size() - 1);
      return frozen.size() - 1;
    }

    Trained trained(CausalLm model) {
      return model.isAdapter()
          ? new Trained(model.config(), freeze(model.base()), model.lora())
          : new Trained(model.config(), -1, null);
    }
  }
}
