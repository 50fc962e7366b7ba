package io.rlhf4j.djl;

import io.rlhf4j.djl.model.ModelConfig;
import io.rlhf4j.djl.tensor.Tensor;
import java.util.Map;

/**
 * An independent reference forward pass in plain Java double precision, written with explicit loops
 * and no DJL, used as the oracle for {@link io.rlhf4j.djl.model.CausalLm}. One token sequence at a
 * time, no cache, no padding.
 *
 * <p>RoPE comes in both conventions: llama2.c's interleaved pairs (x[2i], x[2i+1]) and Hugging
 * Face's halves (x[i], x[i + hd/2]). Checking llama2.c weights in their original layout against the
 * DJL model (which permutes them to halves on load) also checks that permutation.
 */
public final class ReferenceTransformer {
  private final ModelConfig c;
  private final Map<String, Tensor> w;
  private final boolean interleavedRope;
  private final double[] inverseFrequencies; // null: theta^(-2i/hd)
  private int slidingWindow; // 0: every earlier token is seen
  private java.util.Set<Integer> windowedLayers; // null: the window applies to every layer
  private java.util.Set<Integer> noRope = java.util.Set.of(); // layers without RoPE
  private int rotaryDim; // 0: every dim of a head
  private double attentionFactor = 1; // LongRoPE multiplies cos and sin by it

  /**
   * @param weights canonical tensor names (see ParameterLayout)
   * @param interleavedRope true for llama2.c's layout of q and k rows
   */
  public ReferenceTransformer(
      ModelConfig config, Map<String, Tensor> weights, boolean interleavedRope) {
    this(config, weights, interleavedRope, null);
  }

  /**
   * A reference whose RoPE uses {@code inverseFrequencies} (hd/2 of them, computed by the test from
   * the config file's own numbers) instead of theta^(-2i/hd): for scaled RoPE.
   */
  public ReferenceTransformer(
      ModelConfig config,
      Map<String, Tensor> weights,
      boolean interleavedRope,
      double[] inverseFrequencies) {
    this.c = config;
    this.w = weights;
    this.interleavedRope = interleavedRope;
    this.inverseFrequencies = inverseFrequencies;
  }

  /**
   * Attention over the last {@code window} tokens only (Mistral's sliding window: key position s is
   * seen from query position t when s > t - window, as transformers' sliding-window mask).
   */
  public ReferenceTransformer slidingWindow(int window) {
    this.slidingWindow = window;
    return this;
  }

  /** The window applies to these layers only (Qwen2's layers from max_window_layers on). */
  public ReferenceTransformer windowedLayers(java.util.Set<Integer> layers) {
    this.windowedLayers = layers;
    return this;
  }

  /** Layers whose attention skips RoPE (SmolLM3's no_rope_layers entries that are 0). */
  public ReferenceTransformer withoutRope(java.util.Set<Integer> layers) {
    this.noRope = layers;
    return this;
  }

  /**
   * RoPE on each head's first {@code dims} dims only, the rest passed through (transformers'
   * partial_rotary_factor: q_rot = q[..., :dims], q_pass = q[..., dims:]); frequencies over dims.
   */
  public ReferenceTransformer partialRotary(int dims) {
    this.rotaryDim = dims;
    return this;
  }

  /** Cosines and sines multiplied by {@code factor} (LongRoPE's attention factor). */
  public ReferenceTransformer ropeAttentionFactor(double factor) {
    this.attentionFactor = factor;
    return this;
  }

  private static int layerOf(String prefix) { // "layers.3." -> 3
    return Integer.parseInt(prefix.substring("layers.".length(), prefix.length() - 1));
  }

  /** Logits [T][V] for every position of {@code tokens}. */
  public double[][] logits(int[] tokens) {
    double[][] h = hidden(tokens);
    double[][] out = new double[tokens.length][];
    Tensor head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : w.get("embed.weight");
    for (int t = 0; t < tokens.length; t++) {
      out[t] = matVec(head, h[t]);
    }
    return out;
  }

  /** Final hidden states [T][D] (after the last norm). */
  public double[][] hidden(int[] tokens) {
    int n = tokens.length;
    int d = c.hiddenSize();
    boolean gpt2 = c.family() == ModelConfig.Family.GPT2;
    double[][] x = new double[n][d];
    for (int t = 0; t < n; t++) {
      for (int i = 0; i < d; i++) {
        x[t][i] = at("embed.weight", tokens[t] * d + i);
        if (gpt2) {
          x[t][i] += at("pos_embed.weight", t * d + i);
        }
      }
    }
    for (int l = 0; l < c.numLayers(); l++) {
      String p = "layers." + l + ".";
      double[][] a = attention(norm(x, p + "attn_norm"), p);
      add(x, a);
      double[][] h = norm(x, p + "mlp_norm");
      double[][] m = new double[n][];
      for (int t = 0; t < n; t++) {
        if (gpt2) {
          double[] up = affine(p + "mlp.up", h[t]);
          for (int i = 0; i < up.length; i++) {
            double u = up[i];
            up[i] = 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u * u * u)));
          }
          m[t] = affine(p + "mlp.down", up);
        } else {
          double[] gate = affine(p + "mlp.gate", h[t]);
          double[] up = affine(p + "mlp.up", h[t]);
          for (int i = 0; i < gate.length; i++) {
            gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
          }
          m[t] = affine(p + "mlp.down", gate);
        }
      }
      add(x, m);
    }
    return norm(x, "norm");
  }

  private double[][] attention(double[][] h, String p) {
    int n = h.length;
    int heads = c.numHeads();
    int kvHeads = c.numKvHeads();
    int hd = c.headDim();
    double[][] q = new double[n][];
    double[][] k = new double[n][];
    double[][] v = new double[n][];
    for (int t = 0; t < n; t++) {
      q[t] = affine(p + "attn.q", h[t]);
      k[t] = affine(p + "attn.k", h[t]);
      v[t] = affine(p + "attn.v", h[t]);
      if (w.containsKey(p + "attn.q_norm.weight")) { // Qwen3: RMSNorm over each head's dims
        headNorm(q[t], heads, hd, p + "attn.q_norm.weight");
        headNorm(k[t], kvHeads, hd, p + "attn.k_norm.weight");
      }
      if (c.family() == ModelConfig.Family.LLAMA && !noRope.contains(layerOf(p))) {
        rope(q[t], heads, hd, t);
        rope(k[t], kvHeads, hd, t);
      }
    }
    boolean windowed =
        slidingWindow > 0 && (windowedLayers == null || windowedLayers.contains(layerOf(p)));
    double[][] out =
        attend(q, k, v, heads, kvHeads, hd, 1 / Math.sqrt(hd), 0, windowed ? slidingWindow : 0);
    double[][] projected = new double[n][];
    for (int t = 0; t < n; t++) {
      projected[t] = affine(p + "attn.o", out[t]);
    }
    return projected;
  }

  /**
   * Causal grouped-query attention over one sequence: per query head, softmax over the keys of its
   * key head (the last {@code window} of them, all when 0) of q·k·scale, soft-capped as
   * cap·tanh(s/cap) when cap > 0, weighting the values; [T][heads·hd].
   */
  static double[][] attend(
      double[][] q,
      double[][] k,
      double[][] v,
      int heads,
      int kvHeads,
      int hd,
      double scale,
      double cap,
      int window) {
    int n = q.length;
    double[][] out = new double[n][heads * hd];
    for (int head = 0; head < heads; head++) {
      int kvHead = head / (heads / kvHeads);
      for (int t = 0; t < n; t++) {
        int from = window > 0 ? Math.max(0, t - window + 1) : 0; // q_idx - kv_idx < window
        double[] score = new double[t + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int s = from; s <= t; s++) {
          double dot = 0;
          for (int i = 0; i < hd; i++) {
            dot += q[t][head * hd + i] * k[s][kvHead * hd + i];
          }
          score[s] = cap > 0 ? Math.tanh(dot * scale / cap) * cap : dot * scale;
          max = Math.max(max, score[s]);
        }
        double sum = 0;
        for (int s = from; s <= t; s++) {
          score[s] = Math.exp(score[s] - max);
          sum += score[s];
        }
        for (int s = from; s <= t; s++) {
          for (int i = 0; i < hd; i++) {
            out[t][head * hd + i] += score[s] / sum * v[s][kvHead * hd + i];
          }
        }
      }
    }
    return out;
  }

  private void headNorm(double[] x, int heads, int hd, String weight) {
    for (int head = 0; head < heads; head++) {
      double ss = 0;
      for (int i = 0; i < hd; i++) {
        ss += x[head * hd + i] * x[head * hd + i];
      }
      double inv = 1 / Math.sqrt(ss / hd + c.normEps());
      for (int i = 0; i < hd; i++) {
        x[head * hd + i] = x[head * hd + i] * inv * at(weight, i);
      }
    }
  }

  private void rope(double[] x, int heads, int hd, int position) {
    int r = rotaryDim > 0 ? rotaryDim : hd;
    for (int head = 0; head < heads; head++) {
      for (int i = 0; i < r / 2; i++) {
        double freq =
            inverseFrequencies != null
                ? inverseFrequencies[i]
                : 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / r);
        double cos = Math.cos(position * freq) * attentionFactor;
        double sin = Math.sin(position * freq) * attentionFactor;
        int a = head * hd + (interleavedRope ? 2 * i : i);
        int b = head * hd + (interleavedRope ? 2 * i + 1 : i + r / 2);
        double x0 = x[a];
        double x1 = x[b];
        x[a] = x0 * cos - x1 * sin;
        x[b] = x0 * sin + x1 * cos;
      }
    }
  }

  private double[][] norm(double[][] x, String name) {
    int d = c.hiddenSize();
    boolean layerNorm = w.containsKey(name + ".bias");
    double[][] out = new double[x.length][d];
    for (int t = 0; t < x.length; t++) {
      double mean = 0;
      if (layerNorm) {
        for (double v : x[t]) {
          mean += v / d;
        }
      }
      double ss = 0;
      for (double v : x[t]) {
        ss += (v - mean) * (v - mean) / d;
      }
      double scale = 1 / Math.sqrt(ss + c.normEps());
      for (int i = 0; i < d; i++) {
        out[t][i] = (x[t][i] - mean) * scale * at(name + ".weight", i);
        if (layerNorm) {
          out[t][i] += at(name + ".bias", i);
        }
      }
    }
    return out;
  }

  private double[] affine(String name, double[] x) {
    double[] y = matVec(w.get(name + ".weight"), x);
    Tensor bias = w.get(name + ".bias");
    if (bias != null) {
      for (int i = 0; i < y.length; i++) {
        y[i] += bias.data()[i];
      }
    }
    return y;
  }

  /** m · x for a row-major [rows, cols] matrix, in doubles. */
  static double[] matVec(Tensor m, double[] x) {
    int rows = (int) m.shape()[0];
    int cols = (int) m.shape()[1];
    double[] y = new double[rows];
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      for (int k = 0; k < cols; k++) {
        sum += m.data()[r * cols + k] * x[k];
      }
      y[r] = sum;
    }
    return y;
  }

  private double at(String name, int index) {
    return w.get(name).data()[index];
  }

  /** x += y, row by row. */
  static void add(double[][] x, double[][] y) {
    for (int t = 0; t < x.length; t++) {
      for (int i = 0; i < x[t].length; i++) {
        x[t][i] += y[t][i];
      }
    }
  }
}
