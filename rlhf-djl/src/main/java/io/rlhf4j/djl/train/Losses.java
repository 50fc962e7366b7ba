package io.rlhf4j.djl.train;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import io.rlhf4j.djl.internal.engine.Scalars;
import io.rlhf4j.djl.train.rl.PolicyLoss;
import io.rlhf4j.djl.train.rl.PpoClipLoss;
import io.rlhf4j.train.dpo.DpoLossType;
import io.rlhf4j.train.dpo.DpoObjective;
import io.rlhf4j.train.kto.KtoObjective;
import io.rlhf4j.train.ppo.KlEstimator;
import io.rlhf4j.train.rl.LossAggregation;
import io.rlhf4j.train.rl.PolicyObjective;

/**
 * The training losses on NDArrays, each the tensor twin of an rlhf-core reference (named in its
 * Javadoc) and tested against it. Masks are float 0/1 arrays; means are over valid tokens of the
 * whole batch.
 */
public final class Losses {
  private Losses() {}

  /**
   * Negative log-likelihood per valid token, −Σ logp·mask / Σ mask: the SFT loss over response
   * tokens and, scaled by γ, the PPO-ptx term ({@link io.rlhf4j.train.ppo.PtxLoss}).
   */
  public static NDArray tokenNll(NDArray logp, NDArray mask) {
    return tokenNll(logp, mask, mask.sum());
  }

  /**
   * As {@link #tokenNll(NDArray, NDArray)}, divided by {@code tokens} instead of this batch's own
   * count: a micro-batch's exact share of the mean over a larger batch holding {@code tokens}.
   */
  public static NDArray tokenNll(NDArray logp, NDArray mask, NDArray tokens) {
    return logp.mul(mask).sum().neg().div(tokens);
  }

  /**
   * InstructGPT's ranking loss ({@link io.rlhf4j.train.reward.RankingLoss#batchLoss}): Σ over pairs
   * of weight · softplus(−(r_w − r_l − m)), where −log σ(x) = softplus(−x). With weight = 1 /
   * (pairs of that prompt × prompts in the batch) this is the mean over prompts of each prompt's
   * mean pair loss.
   *
   * @param rewards r for every response in the batch [N]
   * @param pairs the (winner, loser) response indices, weights and margins of every pair
   */
  public static NDArray rankingLoss(NDArray rewards, PairIndex pairs) {
    NDManager m = rewards.getManager();
    NDArray winners = m.create(pairs.winners());
    NDArray losers = m.create(pairs.losers());
    NDArray gap = take(rewards, winners).sub(take(rewards, losers)).sub(m.create(pairs.margins()));
    NDArray perPair = gap.neg().getNDArrayInternal().softPlus();
    return perPair.mul(m.create(pairs.weights())).sum();
  }

  /**
   * The DPO family's loss ({@link DpoObjective}, rlhf-core's reference) over a batch of pairs, Σ
   * weight · ℓ(h), from each response's log-probability under the policy and the reference:
   *
   * <pre>
   *   h = (log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))
   *   sigmoid: ℓ = (1 − ε) softplus(−β h) + ε softplus(β h)     IPO: ℓ = (h − 1/(2β))²
   *   SimPO:   as sigmoid with β h − γ, reference 0             ORPO: β softplus(−Δ log odds)
   * </pre>
   *
   * @param logp log π of every response in the batch [N]
   * @param refLogp log π_ref of the same responses [N]
   * @param pairs (chosen, rejected) indices into them with weights (margins are not used)
   */
  public static NDArray dpoLoss(
      NDArray logp, NDArray refLogp, PairIndex pairs, DpoObjective objective) {
    NDManager m = logp.getManager();
    NDArray ratio = logp.sub(refLogp);
    NDArray h = take(ratio, m.create(pairs.winners())).sub(take(ratio, m.create(pairs.losers())));
    NDArray perPair;
    if (objective.type() == DpoLossType.IPO) {
      perPair = h.sub(Scalars.of(h, 1 / (2 * objective.beta()))).square();
    } else if (objective.type() == DpoLossType.ORPO) {
      // log odds = m − log(1 − e^m); DJL has no log1p, and m (a mean log-probability) stays well
      // below 0 for real responses, where 1 − e^m loses nothing in float.
      NDArray odds = logp.sub(logp.exp().neg().add(Scalars.of(logp, 1)).log());
      NDArray d = take(odds, m.create(pairs.winners())).sub(take(odds, m.create(pairs.losers())));
      perPair = d.neg().getNDArrayInternal().softPlus().mul(Scalars.of(d, objective.beta()));
    } else {
      NDArray x = h.mul(Scalars.of(h, objective.beta()));
      if (objective.rewardMargin() != 0) {
        x = x.sub(Scalars.of(x, objective.rewardMargin())); // SimPO's γ
      }
      perPair = x.neg().getNDArrayInternal().softPlus(); // −log σ(βh)
      double eps = objective.labelSmoothing();
      if (eps > 0) {
        NDArray flipped = x.getNDArrayInternal().softPlus(); // −log σ(−βh)
        perPair =
            perPair.mul(Scalars.of(perPair, 1 - eps)).add(flipped.mul(Scalars.of(flipped, eps)));
      }
    }
    return perPair.mul(m.create(pairs.weights())).sum();
  }

  /**
   * KTO's loss ({@link KtoObjective}) over a batch of completions: the mean of λ·σ(−x) with x = β(r
   * − z₀) for desirable and β(z₀ − r) for undesirable ones (1 − σ(x) = σ(−x)), r = log π − log
   * π_ref summed over each completion's tokens.
   *
   * @param logp log π of every completion [N], with its gradient
   * @param refLogp log π_ref of the same completions [N]
   * @param desirable the label of each completion
   * @param z0 the batch's reference point, a constant
   */
  public static NDArray ktoLoss(
      NDArray logp, NDArray refLogp, boolean[] desirable, double z0, KtoObjective objective) {
    int n = desirable.length;
    float[] sign = new float[n];
    float[] weight = new float[n];
    for (int i = 0; i < n; i++) {
      sign[i] = desirable[i] ? 1 : -1;
      weight[i] =
          (float)
              ((desirable[i] ? objective.desirableWeight() : objective.undesirableWeight()) / n);
    }
    NDManager m = logp.getManager();
    NDArray x =
        logp.sub(refLogp)
            .sub(Scalars.of(logp, z0))
            .mul(m.create(sign))
            .mul(Scalars.of(logp, objective.beta()));
    return Activation.sigmoid(x.neg()).mul(m.create(weight)).sum();
  }

  private static NDArray take(NDArray values, NDArray indices) {
    long n = values.getShape().get(0);
    return indices
        .getNDArrayInternal()
        .embedding(indices, values.reshape(n, 1), ai.djl.ndarray.types.SparseFormat.DENSE)
        .singletonOrThrow()
        .reshape(indices.getShape());
  }

  /** The PPO clipped surrogate ({@link io.rlhf4j.train.ppo.PpoLoss#policyLoss}). */
  public static NDArray policyLoss(
      NDArray logpNew, NDArray logpOld, NDArray advantages, NDArray mask, double clip) {
    return policyLoss(logpNew, logpOld, advantages, mask, clip, mask.sum());
  }

  /**
   * max(−A·ρ, −A·clip(ρ, 1 ± ε)) with ρ = exp(logp_new − logp_old), summed over valid tokens and
   * divided by {@code tokens} (the valid tokens of the minibatch this micro-batch belongs to).
   */
  public static NDArray policyLoss(
      NDArray logpNew,
      NDArray logpOld,
      NDArray advantages,
      NDArray mask,
      double clip,
      NDArray tokens) {
    PolicyObjective ppo =
        new PolicyObjective(clip, clip, 0, KlEstimator.K1, 0, LossAggregation.TOKEN_MEAN);
    return policyObjective(
        new PpoClipLoss(clip, clip),
        PolicyTokens.of(logpNew, logpOld, advantages, mask),
        tokens,
        ppo);
  }

  /**
   * The policy loss ({@link PolicyObjective}), per token
   *
   * <pre>
   *   ℓ_t = w_t · surrogate_t + β_kl k(logπ, logπ_ref) − c_H H_t
   * </pre>
   *
   * <p>with w_t the tokens' importance weights (1 when none are given), reduced by {@link
   * #aggregate} with the minibatch's {@code denominator}, so micro-batches add up to the
   * minibatch's loss. The objective's own surrogate is the reference of {@code surrogate}; only its
   * KL, entropy and aggregation settings are read here.
   */
  public static NDArray policyObjective(
      PolicyLoss surrogate, PolicyTokens in, NDArray denominator, PolicyObjective o) {
    NDArray token = surrogate.tokenLosses(in.logp(), in.logpOld(), in.advantages(), in.mask());
    if (in.importanceWeights() != null) {
      token = token.mul(in.importanceWeights());
    }
    if (o.klCoefficient() > 0) {
      NDArray kl = klPerToken(in.logp(), checkNotNull(in.logpRef(), "logpRef"), o.klEstimator());
      token = token.add(kl.mul(Scalars.of(kl, o.klCoefficient())));
    }
    if (o.entropyCoefficient() > 0) {
      NDArray entropy = checkNotNull(in.entropy(), "entropy");
      token = token.sub(entropy.mul(Scalars.of(entropy, o.entropyCoefficient())));
    }
    return aggregate(token, in.mask(), o.aggregation(), denominator);
  }

  /**
   * The one reduction of per-token losses ({@link LossAggregation#aggregate}, OpenRLHF's {@code
   * aggregate_loss}, verl's {@code agg_loss}): Σ_{b,t} ℓ·m·f_b / denominator, with f_b = 1 / (row
   * b's tokens) for a sequence mean of token means and 1 otherwise. {@code denominator} is that of
   * the whole minibatch ({@link LossAggregation#denominator}: its tokens, or its rows), so a
   * micro-batch's result is its exact share.
   */
  public static NDArray aggregate(
      NDArray tokenLosses, NDArray mask, LossAggregation aggregation, NDArray denominator) {
    NDArray weighted = tokenLosses.mul(mask);
    if (aggregation == LossAggregation.SEQ_MEAN_TOKEN_MEAN) {
      weighted = weighted.div(mask.sum(new int[] {1}, true).maximum(1f));
    }
    return weighted.sum().div(denominator);
  }

  /** The per-token KL estimate k(logπ, logπ_ref) ({@link KlEstimator}), differentiable in logπ. */
  public static NDArray klPerToken(NDArray logp, NDArray logpRef, KlEstimator estimator) {
    NDArray diff = logp.sub(logpRef); // log(π / π_ref)
    return switch (estimator) {
      case K1 -> diff;
      case K2 -> diff.square().mul(Scalars.of(diff, 0.5));
        // exp(−d) + d − 1: the unbiased, always positive estimate GRPO uses
      case K3 -> diff.neg().exp().add(diff).sub(Scalars.of(diff, 1));
    };
  }

  /** PPO's clipped value loss ({@link io.rlhf4j.train.ppo.PpoLoss#valueLoss}). */
  public static NDArray valueLoss(
      NDArray valuesNew, NDArray valuesOld, NDArray returns, NDArray mask, double clip) {
    return valueLoss(valuesNew, valuesOld, returns, mask, clip, mask.sum());
  }

  /**
   * ½·max((V − R)², (V_old + clip(V − V_old, ±ε) − R)²), summed over valid tokens and divided by
   * {@code tokens} (the valid tokens of the minibatch this micro-batch belongs to).
   */
  public static NDArray valueLoss(
      NDArray valuesNew,
      NDArray valuesOld,
      NDArray returns,
      NDArray mask,
      double clip,
      NDArray tokens) {
    NDArray clippedValues =
        valuesOld.add(valuesNew.sub(valuesOld).clip((float) -clip, (float) clip));
    NDArray unclipped = valuesNew.sub(returns).square();
    NDArray clipped = clippedValues.sub(returns).square();
    NDArray share = aggregate(unclipped.maximum(clipped), mask, LossAggregation.TOKEN_MEAN, tokens);
    return share.mul(Scalars.of(share, 0.5));
  }

  /** Σ x·mask / Σ mask. */
  public static NDArray maskedMean(NDArray x, NDArray mask) {
    return x.mul(mask).sum().div(mask.sum());
  }

  /**
   * The pairs of a reward batch: index arrays into the batch's flat list of responses.
   *
   * @param winners preferred response index per pair
   * @param losers dispreferred response index per pair
   * @param weights per-pair weight
   * @param margins per-pair margin
   */
  public record PairIndex(long[] winners, long[] losers, float[] weights, float[] margins) {
    /** The number of pairs. */
    public int size() {
      return winners.length;
    }
  }
}
