package io.rlhf4j.djl;

import io.rlhf4j.djl.tensor.Tensor;
import io.rlhf4j.internal.json.Json;
import java.util.List;
import java.util.Map;

/**
 * Gemma 2 and Gemma 3 text models in plain Java double precision, written from transformers' {@code
 * modeling_gemma2.py} and {@code modeling_gemma3.py} with explicit loops and no DJL: it reads the
 * {@code config.json} text itself and the checkpoint's tensors under transformers' own names, so
 * neither rlhf4j's config reader nor its name mapping stands between it and the file. One sequence,
 * no cache, no padding.
 */
public final class GemmaReference {
  private final Map<String, Tensor> w;
  private final boolean gemma3;
  private final int d;
  private final int layers;
  private final int heads;
  private final int kvHeads;
  private final int hd;
  private final double eps;
  private final double scaling;
  private final double attnCap;
  private final double finalCap;
  private final int window;
  private final double theta;
  private final double localTheta;
  private final double linearFactor;
  private final boolean[] sliding;

  /**
   * @param configJson the config.json text
   * @param weights tensors named as transformers saves them ({@code model.layers.0.self_attn...})
   */
  public GemmaReference(String configJson, Map<String, Tensor> weights) {
    Map<String, Object> c = Json.parseObject(configJson);
    this.w = weights;
    this.gemma3 = "gemma3_text".equals(c.get("model_type"));
    this.d = num(c, "hidden_size", 0).intValue();
    this.layers = num(c, "num_hidden_layers", 0).intValue();
    this.heads = num(c, "num_attention_heads", 0).intValue();
    this.kvHeads = num(c, "num_key_value_heads", heads).intValue();
    this.hd = num(c, "head_dim", 256).intValue();
    this.eps = num(c, "rms_norm_eps", 1e-6).doubleValue();
    this.scaling = Math.pow(num(c, "query_pre_attn_scalar", 256).doubleValue(), -0.5);
    this.attnCap = num(c, "attn_logit_softcapping", gemma3 ? 0 : 50).doubleValue();
    this.finalCap = num(c, "final_logit_softcapping", gemma3 ? 0 : 30).doubleValue();
    this.window = num(c, "sliding_window", 4096).intValue();
    this.theta = num(c, "rope_theta", gemma3 ? 1e6 : 1e4).doubleValue();
    this.localTheta = gemma3 ? num(c, "rope_local_base_freq", 1e4).doubleValue() : theta;
    this.linearFactor =
        c.get("rope_scaling") instanceof Map<?, ?> s ? ((Number) s.get("factor")).doubleValue() : 1;
    this.sliding = new boolean[layers];
    for (int i = 0; i < layers; i++) {
      if (c.get("layer_types") instanceof List<?> types) {
        sliding[i] = types.get(i).equals("sliding_attention");
      } else if (gemma3) { // Gemma3DecoderLayer: is_sliding = bool((i + 1) % pattern)
        sliding[i] = (i + 1) % num(c, "sliding_window_pattern", 6).intValue() != 0;
      } else { // Gemma2DecoderLayer: is_sliding = not bool(i % 2)
        sliding[i] = i % 2 == 0;
      }
    }
  }

  private static Number num(Map<String, Object> c, String key, double fallback) {
    Object v = c.get(key);
    return v instanceof Number n ? n : v == Json.NULL ? 0 : fallback;
  }

  /** Logits [T][V] for every position. */
  public double[][] logits(int[] tokens) {
    int n = tokens.length;
    Tensor embed = w.get("model.embed_tokens.weight");
    double[][] x = new double[n][d];
    double normalizer = (float) Math.sqrt(d); // transformers casts √d to the weights' dtype
    for (int t = 0; t < n; t++) {
      for (int i = 0; i < d; i++) {
        x[t][i] = embed.data()[tokens[t] * d + i] * normalizer;
      }
    }
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".";
      double[][] a = attention(rmsNorm(x, p + "input_layernorm.weight"), p, l);
      ReferenceTransformer.add(x, rmsNorm(a, p + "post_attention_layernorm.weight"));
      double[][] h = rmsNorm(x, p + "pre_feedforward_layernorm.weight");
      double[][] m = new double[n][];
      for (int t = 0; t < n; t++) {
        double[] gate = ReferenceTransformer.matVec(w.get(p + "mlp.gate_proj.weight"), h[t]);
        double[] up = ReferenceTransformer.matVec(w.get(p + "mlp.up_proj.weight"), h[t]);
        for (int i = 0; i < gate.length; i++) {
          double g = gate[i]; // gelu_pytorch_tanh
          gate[i] = 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g)));
          gate[i] *= up[i];
        }
        m[t] = ReferenceTransformer.matVec(w.get(p + "mlp.down_proj.weight"), gate);
      }
      ReferenceTransformer.add(x, rmsNorm(m, p + "post_feedforward_layernorm.weight"));
    }
    double[][] h = rmsNorm(x, "model.norm.weight");
    double[][] out = new double[n][];
    for (int t = 0; t < n; t++) {
      out[t] = ReferenceTransformer.matVec(embed, h[t]); // tied head
      if (finalCap > 0) {
        for (int i = 0; i < out[t].length; i++) {
          out[t][i] = Math.tanh(out[t][i] / finalCap) * finalCap;
        }
      }
    }
    return out;
  }

  private double[][] attention(double[][] h, String p, int layer) {
    int n = h.length;
    double[][] q = new double[n][];
    double[][] k = new double[n][];
    double[][] v = new double[n][];
    double base = sliding[layer] ? localTheta : theta;
    double factor = sliding[layer] ? 1 : linearFactor; // the local RoPE is never scaled
    for (int t = 0; t < n; t++) {
      q[t] = ReferenceTransformer.matVec(w.get(p + "self_attn.q_proj.weight"), h[t]);
      k[t] = ReferenceTransformer.matVec(w.get(p + "self_attn.k_proj.weight"), h[t]);
      v[t] = ReferenceTransformer.matVec(w.get(p + "self_attn.v_proj.weight"), h[t]);
      if (gemma3) {
        headNorm(q[t], heads, p + "self_attn.q_norm.weight");
        headNorm(k[t], kvHeads, p + "self_attn.k_norm.weight");
      }
      rope(q[t], heads, t, base, factor);
      rope(k[t], kvHeads, t, base, factor);
    }
    double[][] out =
        ReferenceTransformer.attend(
            q, k, v, heads, kvHeads, hd, scaling, attnCap, sliding[layer] ? window : 0);
    double[][] projected = new double[n][];
    for (int t = 0; t < n; t++) {
      projected[t] = ReferenceTransformer.matVec(w.get(p + "self_attn.o_proj.weight"), out[t]);
    }
    return projected;
  }

  // Gemma's RMSNorm: x / sqrt(mean(x²) + eps) · (1 + weight).
  private void headNorm(double[] x, int count, String weight) {
    for (int head = 0; head < count; head++) {
      double ss = 0;
      for (int i = 0; i < hd; i++) {
        ss += x[head * hd + i] * x[head * hd + i];
      }
      double inv = 1 / Math.sqrt(ss / hd + eps);
      for (int i = 0; i < hd; i++) {
        x[head * hd + i] *= inv * (1 + w.get(weight).data()[i]);
      }
    }
  }

  private double[][] rmsNorm(double[][] x, String weight) {
    double[][] out = new double[x.length][d];
    for (int t = 0; t < x.length; t++) {
      double ss = 0;
      for (double v : x[t]) {
        ss += v * v / d;
      }
      double inv = 1 / Math.sqrt(ss + eps);
      for (int i = 0; i < d; i++) {
        out[t][i] = x[t][i] * inv * (1 + w.get(weight).data()[i]);
      }
    }
    return out;
  }

  // rotate_half RoPE: dims i and i + hd/2 turn by pos / (factor · base^(2i/hd)).
  private void rope(double[] x, int count, int position, double base, double factor) {
    for (int head = 0; head < count; head++) {
      for (int i = 0; i < hd / 2; i++) {
        double angle = position / (factor * Math.pow(base, 2.0 * i / hd));
        int a = head * hd + i;
        int b = a + hd / 2;
        double x0 = x[a];
        double x1 = x[b];
        x[a] = x0 * Math.cos(angle) - x1 * Math.sin(angle);
        x[b] = x0 * Math.sin(angle) + x1 * Math.cos(angle);
      }
    }
  }
}
