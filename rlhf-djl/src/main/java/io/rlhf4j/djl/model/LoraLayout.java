package io.rlhf4j.djl.model;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;

/**
 * The projections of a model that LoRA can adapt, named as PEFT names them in a Hugging Face model
 * ({@code model.layers.3.self_attn.q_proj}, {@code transformer.h.3.attn.c_attn}) and as rlhf4j
 * names them ({@code layers.3.attn.q}), with their shapes and the canonical weights they cover.
 * GPT-2 fuses q, k and v into one {@code c_attn}, so one of its adapters covers three weights, row
 * blocks of its B.
 */
public final class LoraLayout {
  private LoraLayout() {}

  /**
   * One adaptable projection.
   *
   * @param peftPath the module's path in the Hugging Face model, as PEFT's tensor names use it
   * @param name rlhf4j's name for the adapter, the prefix of its parameters
   * @param in input width (A is [r, in])
   * @param out output width (B is [out, r])
   * @param covers the canonical weights whose outputs the adapter adds to, in row order
   */
  public record Module(String peftPath, String name, int in, int out, List<String> covers) {}

  /** Every adaptable projection of {@code c}, block by block. */
  public static List<Module> all(ModelConfig c) {
    List<Module> out = new ArrayList<>();
    int d = c.hiddenSize();
    int ff = c.intermediateSize();
    for (int i = 0; i < c.numLayers(); i++) {
      String p = "layers." + i + ".";
      if (c.family() == ModelConfig.Family.GPT2) {
        String h = "transformer.h." + i + ".";
        out.add(
            new Module(
                h + "attn.c_attn",
                p + "attn.qkv",
                d,
                3 * d,
                List.of(p + "attn.q.weight", p + "attn.k.weight", p + "attn.v.weight")));
        out.add(one(h + "attn.c_proj", p + "attn.o", d, d));
        out.add(one(h + "mlp.c_fc", p + "mlp.up", d, ff));
        out.add(one(h + "mlp.c_proj", p + "mlp.down", ff, d));
      } else if (c.modelType().equals("phi3")) {
        // Phi-3 fuses q, k, v into qkv_proj and gate, up into gate_up_proj, as PEFT sees them.
        String h = "model.layers." + i + ".";
        out.add(
            new Module(
                h + "self_attn.qkv_proj",
                p + "attn.qkv",
                d,
                c.qDim() + 2 * c.kvDim(),
                List.of(p + "attn.q.weight", p + "attn.k.weight", p + "attn.v.weight")));
        out.add(one(h + "self_attn.o_proj", p + "attn.o", c.qDim(), d));
        out.add(
            new Module(
                h + "mlp.gate_up_proj",
                p + "mlp.gate_up",
                d,
                2 * ff,
                List.of(p + "mlp.gate.weight", p + "mlp.up.weight")));
        out.add(one(h + "mlp.down_proj", p + "mlp.down", ff, d));
      } else {
        String h = "model.layers." + i + ".";
        out.add(one(h + "self_attn.q_proj", p + "attn.q", d, c.qDim()));
        out.add(one(h + "self_attn.k_proj", p + "attn.k", d, c.kvDim()));
        out.add(one(h + "self_attn.v_proj", p + "attn.v", d, c.kvDim()));
        out.add(one(h + "self_attn.o_proj", p + "attn.o", c.qDim(), d));
        out.add(one(h + "mlp.gate_proj", p + "mlp.gate", d, ff));
        out.add(one(h + "mlp.up_proj", p + "mlp.up", d, ff));
        out.add(one(h + "mlp.down_proj", p + "mlp.down", ff, d));
      }
    }
    return out;
  }

  /**
   * The projections {@code targets} select, matched as PEFT matches {@code target_modules}: a
   * module whose path equals a target or ends in "." + target, or every one for {@code all-linear}.
   *
   * @throws IllegalArgumentException when a target matches nothing (a typo adapts nothing)
   */
  public static List<Module> targeted(ModelConfig c, List<String> targets) {
    List<Module> all = all(c);
    if (targets.contains(LoraConfig.ALL_LINEAR)) {
      return all;
    }
    List<Module> out = new ArrayList<>();
    for (String target : targets) {
      boolean any = false;
      for (Module m : all) {
        if (matches(m.peftPath(), target)) {
          any = true;
          if (!out.contains(m)) {
            out.add(m);
          }
        }
      }
      checkArgument(
          any,
          "LoRA target '%s' matches no module of this %s model (modules look like %s)",
          target,
          c.modelType(),
          all.get(0).peftPath());
    }
    out.sort(java.util.Comparator.comparingInt(all::indexOf));
    return out;
  }

  private static boolean matches(String path, String target) {
    return path.equals(target) || path.endsWith("." + target);
  }

  private static Module one(String peftPath, String name, int in, int out) {
    return new Module(peftPath, name, in, out, List.of(name + ".weight"));
  }
}
