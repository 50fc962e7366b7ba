package io.rlhf4j.djl.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;

/**
 * Low-rank adaptation (Hu et al. 2021) in PEFT's terms: each targeted projection W gains a
 * trainable update s·B·A, with A of shape [r, in], B of shape [out, r] and s = alpha / r, so that
 *
 * <pre>
 *   y = W x + b + s · B (A · dropout(x))
 * </pre>
 *
 * <p>A starts uniform in ±1/√in (PEFT's Kaiming-uniform default) and B at zero, so a fresh adapter
 * leaves the model unchanged; only A and B (and a scalar head, for reward and value models) train.
 *
 * @param rank r, the rank of the update (8)
 * @param alpha the scale numerator (16): s = alpha / r
 * @param dropout dropout on the adapter's input while training SFT and reward models (0, as in
 *     PEFT); PPO and inference never drop
 * @param targetModules PEFT's {@code target_modules}: module names matched as PEFT matches them (a
 *     module whose path ends in ".name"), e.g. {@code q_proj}, {@code v_proj}, {@code down_proj}
 *     for Llama-family models or {@code c_attn}, {@code c_proj}, {@code c_fc} for GPT-2; or {@code
 *     all-linear}, every projection of every block (the default)
 * @param seed seeds A's initialisation
 */
public record LoraConfig(
    int rank, double alpha, double dropout, List<String> targetModules, long seed)
    implements java.io.Serializable {
  /** PEFT's name for "every linear projection of the blocks". */
  public static final String ALL_LINEAR = "all-linear";

  /** Validates on construction. */
  public LoraConfig {
    checkArgument(rank >= 1, "rank must be >= 1: %s", rank);
    checkArgument(alpha > 0 && Double.isFinite(alpha), "alpha must be > 0: %s", alpha);
    checkArgument(dropout >= 0 && dropout < 1, "dropout must be in [0, 1): %s", dropout);
    checkNotNull(targetModules, "targetModules");
    targetModules = List.copyOf(targetModules);
    checkArgument(!targetModules.isEmpty(), "targetModules must name at least one module");
  }

  /** s = alpha / r, the factor on B·A. */
  public double scaling() {
    return alpha / rank;
  }

  /** Defaults: r = 8, alpha = 16, no dropout, all linear projections, seed 0. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link LoraConfig}. */
  public static final class Builder {
    private int rank = 8;
    private double alpha = 16;
    private double dropout = 0;
    private List<String> targetModules = List.of(ALL_LINEAR);
    private long seed = 0;

    private Builder() {}

    /** See {@link LoraConfig#rank()}. */
    public Builder rank(int v) {
      rank = v;
      return this;
    }

    /** See {@link LoraConfig#alpha()}. */
    public Builder alpha(double v) {
      alpha = v;
      return this;
    }

    /** See {@link LoraConfig#dropout()}. */
    public Builder dropout(double v) {
      dropout = v;
      return this;
    }

    /** See {@link LoraConfig#targetModules()}. */
    public Builder targetModules(String... v) {
      targetModules = List.of(v);
      return this;
    }

    /** See {@link LoraConfig#seed()}. */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** Validates and builds. */
    public LoraConfig build() {
      return new LoraConfig(rank, alpha, dropout, targetModules, seed);
    }
  }
}
