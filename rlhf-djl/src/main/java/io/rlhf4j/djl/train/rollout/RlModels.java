package io.rlhf4j.djl.train.rollout;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.tokenize.SavableTokenizer;
import io.rlhf4j.model.RewardModel;

/**
 * The models of one RL run by role, named so that a policy is never passed where the reference was
 * meant (the trainer used to take them as five positional arguments of two alike types).
 *
 * @param policy π_θ, trained in place
 * @param reference π_ref, frozen; null where the trainer is to copy the policy at the start
 * @param valueModel V, with a scalar head, trained in place; null for the estimators without a
 *     critic (GRPO, RLOO, REINFORCE++)
 * @param reward r(x, y), frozen: a learned reward model, a function, a verifier, a remote service
 * @param tokenizer the policy's tokenizer
 */
public record RlModels(
    CausalLm policy,
    CausalLm reference,
    CausalLm valueModel,
    RewardModel reward,
    SavableTokenizer tokenizer) {
  /** Validates. */
  public RlModels {
    checkNotNull(policy, "policy");
    checkNotNull(reward, "reward");
    checkNotNull(tokenizer, "tokenizer");
    checkArgument(
        valueModel == null || valueModel.hasScalarHead(), "the value model needs a scalar head");
    checkArgument(reference != policy, "the reference must be frozen apart from the policy");
  }

  /** A builder for the three models every RL run has; reference and value model are optional. */
  public static Builder builder(CausalLm policy, RewardModel reward, SavableTokenizer tokenizer) {
    return new Builder(policy, reward, tokenizer);
  }

  /** These models with {@code reference} as π_ref. */
  public RlModels withReference(CausalLm reference) {
    return new RlModels(policy, reference, valueModel, reward, tokenizer);
  }

  /** Collects the optional roles. */
  public static final class Builder {
    private final CausalLm policy;
    private final RewardModel reward;
    private final SavableTokenizer tokenizer;
    private CausalLm reference;
    private CausalLm valueModel;

    private Builder(CausalLm policy, RewardModel reward, SavableTokenizer tokenizer) {
      this.policy = policy;
      this.reward = reward;
      this.tokenizer = tokenizer;
    }

    /**
     * The frozen reference (in later RLHF rounds still the SFT model, not the current policy); the
     * caller keeps ownership. Without one the trainer copies the policy and owns the copy.
     */
    public Builder reference(CausalLm v) {
      reference = v;
      return this;
    }

    /** The value model PPO's GAE needs (a copy of the reward model's network, InstructGPT). */
    public Builder valueModel(CausalLm v) {
      valueModel = v;
      return this;
    }

    /** The models. */
    public RlModels build() {
      return new RlModels(policy, reference, valueModel, reward, tokenizer);
    }
  }
}
