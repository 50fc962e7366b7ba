package io.rlhf4j.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.internal.engine.HostArrays;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.SequenceBatch;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.Policy;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.model.Tokenizer;
import java.util.List;

/** A {@link CausalLm} with its tokenizer as an RL {@link Policy}. */
public final class DjlPolicy implements Policy {
  private final CausalLm model;
  private final Tokenizer tokenizer;
  private final Generator generator;

  /** Wraps {@code model}; the stop ids (EOS and any others) come from the tokenizer. */
  public DjlPolicy(CausalLm model, Tokenizer tokenizer) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.generator = new Generator(model, tokenizer.stopIds());
  }

  /** The network. */
  public CausalLm model() {
    return model;
  }

  @Override
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public List<Generation> generate(List<int[]> prompts, SamplingConfig config) {
    return generator.generate(prompts, config);
  }

  /**
   * Samples rows {@code firstRow ..} of a larger batch, each from that row's own stream (see {@link
   * Generator}).
   */
  public List<Generation> generate(List<int[]> prompts, SamplingConfig config, long firstRow) {
    return generator.generate(prompts, config, true, firstRow);
  }

  @Override
  public float[][] logProbs(List<int[]> prompts, List<int[]> responses, double temperature) {
    GradMode.offOnThisThread();
    try (NDManager step = model.manager().newSubManager()) {
      SequenceBatch batch = SequenceBatch.of(step, prompts, responses);
      NDArray hidden = model.hidden(batch.tokens(), batch.valid(), null);
      return HostArrays.ragged(batch.responseLogProbs(model, hidden, temperature), responses);
    }
  }
}
