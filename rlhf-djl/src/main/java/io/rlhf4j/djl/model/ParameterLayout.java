package io.rlhf4j.djl.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The canonical parameter names and shapes of a {@link CausalLm}, independent of any file format.
 * Loaders translate their file's names into these (and check shapes against them); savers translate
 * back. Matrices are [out, in], as in {@code nn.Linear}.
 *
 * <pre>
 * embed.weight                 [V, D]
 * pos_embed.weight             [P, D]        GPT-2 only
 * layers.i.attn_norm.weight    [D]           (+ .bias for GPT-2's LayerNorm)
 * layers.i.attn.q.weight       [H·hd, D]     (+ .bias with qkvBias)
 * layers.i.attn.k.weight       [KV·hd, D]    (+ .bias with qkvBias)
 * layers.i.attn.q_norm.weight  [hd]          with qkNorm (Qwen3), as attn.k_norm.weight
 * layers.i.attn.v.weight       [KV·hd, D]    (+ .bias with qkvBias)
 * layers.i.attn.o.weight       [D, H·hd]     (+ .bias for GPT-2)
 * layers.i.attn_post_norm.weight [D]         Gemma only (its post_attention_layernorm)
 * layers.i.mlp_norm.weight     [D]           (+ .bias for GPT-2)
 * layers.i.mlp_post_norm.weight [D]          Gemma only
 * layers.i.mlp.gate.weight     [I, D]        Llama only
 * layers.i.mlp.up.weight       [I, D]        (+ .bias for GPT-2)
 * layers.i.mlp.down.weight     [D, I]        (+ .bias for GPT-2)
 * norm.weight                  [D]           (+ .bias for GPT-2)
 * lm_head.weight               [V, D]        unless tied to embed.weight
 * </pre>
 */
public final class ParameterLayout {
  private ParameterLayout() {}

  /** Every trunk and LM-head parameter of {@code c}, in a stable order. */
  public static Map<String, long[]> of(ModelConfig c) {
    boolean gpt2 = c.family() == ModelConfig.Family.GPT2;
    long d = c.hiddenSize();
    Map<String, long[]> m = new LinkedHashMap<>();
    m.put("embed.weight", new long[] {c.vocabSize(), d});
    if (gpt2) {
      m.put("pos_embed.weight", new long[] {c.maxPositions(), d});
    }
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "layers." + i + ".";
      norm(m, p + "attn_norm", d, gpt2);
      linear(m, p + "attn.q", c.qDim(), d, c.qkvBias());
      linear(m, p + "attn.k", c.kvDim(), d, c.qkvBias());
      if (c.qkNorm()) {
        m.put(p + "attn.q_norm.weight", new long[] {c.headDim()});
        m.put(p + "attn.k_norm.weight", new long[] {c.headDim()});
      }
      linear(m, p + "attn.v", c.kvDim(), d, c.qkvBias());
      linear(m, p + "attn.o", d, c.qDim(), gpt2);
      if (c.family() == ModelConfig.Family.GEMMA) { // Gemma normalises both branches' outputs
        norm(m, p + "attn_post_norm", d, false);
      }
      norm(m, p + "mlp_norm", d, gpt2);
      if (c.family() == ModelConfig.Family.GEMMA) {
        norm(m, p + "mlp_post_norm", d, false);
      }
      if (!gpt2) {
        linear(m, p + "mlp.gate", c.intermediateSize(), d, false);
      }
      linear(m, p + "mlp.up", c.intermediateSize(), d, gpt2);
      linear(m, p + "mlp.down", d, c.intermediateSize(), gpt2);
    }
    norm(m, "norm", d, gpt2);
    if (!c.tieEmbeddings()) {
      m.put("lm_head.weight", new long[] {c.vocabSize(), d});
    }
    return m;
  }

  /** The scalar head of a reward or value model: [1, D] weight and [1] bias. */
  public static Map<String, long[]> scalarHead(ModelConfig c) {
    Map<String, long[]> m = new LinkedHashMap<>();
    m.put("score.weight", new long[] {1, c.hiddenSize()});
    m.put("score.bias", new long[] {1});
    return m;
  }

  private static void norm(Map<String, long[]> m, String name, long d, boolean withBias) {
    m.put(name + ".weight", new long[] {d});
    if (withBias) {
      m.put(name + ".bias", new long[] {d});
    }
  }

  private static void linear(Map<String, long[]> m, String name, long out, long in, boolean bias) {
    m.put(name + ".weight", new long[] {out, in});
    if (bias) {
      m.put(name + ".bias", new long[] {out});
    }
  }
}
