package io.rlhf4j.djl.generate;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.rlhf4j.djl.internal.engine.GradMode;
import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.model.KvCache;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batched autoregressive sampling for rollouts. Prompts of different lengths are left-padded
 * (padding is masked out and does not advance positions), decoding reuses a KV cache, each row
 * stops at EOS, and every step runs in its own NDManager scope so native memory stays flat.
 *
 * <p>Row b samples from its own random stream, the b-th split of the seed's stream, so a row's
 * tokens depend on (seed, row) alone: a shard of a batch generated elsewhere with {@code firstRow}
 * set draws exactly what the same rows draw in the whole batch.
 */
public final class Generator {
  private final CausalLm model;
  private final int[] stops;
  private int lastPrefillRows;
  private int compactions;

  /**
   * @param model the language model
   * @param eosId the end-of-sequence id, or -1 to always run to maxNewTokens
   */
  public Generator(CausalLm model, int eosId) {
    this(model, eosId >= 0 ? new int[] {eosId} : new int[0]);
  }

  /**
   * @param model the language model
   * @param stopIds the ids a row ends on (EOS first; empty to always run to maxNewTokens)
   */
  public Generator(CausalLm model, int[] stopIds) {
    this.model = model;
    this.stops = stopIds.clone();
  }

  private boolean stops(int token) {
    for (int s : stops) {
      if (s == token) {
        return true;
      }
    }
    return false;
  }

  /** Samples with the KV cache. */
  public List<Generation> generate(List<int[]> prompts, SamplingConfig config) {
    return generate(prompts, config, true);
  }

  /**
   * Samples one response per prompt.
   *
   * @param useCache false recomputes the whole prefix every step (for checks and benchmarks)
   */
  public List<Generation> generate(List<int[]> prompts, SamplingConfig config, boolean useCache) {
    return generate(prompts, config, useCache, 0);
  }

  /**
   * Samples rows {@code firstRow ..} of a larger batch: row i here draws from the stream of row
   * {@code firstRow + i}.
   */
  public List<Generation> generate(
      List<int[]> prompts, SamplingConfig config, boolean useCache, long firstRow) {
    checkArgument(!prompts.isEmpty(), "no prompts");
    checkArgument(firstRow >= 0, "firstRow must be >= 0");
    GradMode.offOnThisThread();
    int b = prompts.size();
    int promptLength = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
    checkArgument(
        prompts.stream().allMatch(p -> p.length > 0), "every prompt needs at least one token");
    checkArgument(
        promptLength + config.maxNewTokens() <= model.config().maxPositions(),
        "prompt (%s) + maxNewTokens (%s) exceeds the model's %s positions",
        promptLength,
        config.maxNewTokens(),
        model.config().maxPositions());
    int vocab = model.config().vocabSize();
    TokenSampler sampler = new TokenSampler(config);
    SplittableRandom[] randoms = new SplittableRandom[b];
    SplittableRandom root = new SplittableRandom(config.seed());
    for (long skipped = 0; skipped < firstRow; skipped++) {
      root.split();
    }
    for (int i = 0; i < b; i++) {
      randoms[i] = root.split();
    }
    List<List<Integer>> tokens = new ArrayList<>();
    List<List<Float>> logProbs = new ArrayList<>();
    boolean[] done = new boolean[b];
    boolean[] endedWithEos = new boolean[b];
    for (int i = 0; i < b; i++) {
      tokens.add(new ArrayList<>());
      logProbs.add(new ArrayList<>());
    }
    // Left-padded prompt block: row i's prompt ends at the last column.
    long[] ids = new long[b * promptLength];
    float[] valid = new float[b * promptLength];
    for (int i = 0; i < b; i++) {
      int[] p = prompts.get(i);
      int pad = promptLength - p.length;
      for (int j = 0; j < p.length; j++) {
        ids[i * promptLength + pad + j] = p[j];
        valid[i * promptLength + pad + j] = 1;
      }
    }
    // Rows with the same prompt (GRPO's and RLOO's groups) share its prefill: the prompt's keys
    // and values are computed once and copied to each of its rows.
    int[] rowOf = new int[b];
    List<Integer> firstRows = new ArrayList<>();
    java.util.Map<java.nio.IntBuffer, Integer> seen = new java.util.HashMap<>();
    for (int i = 0; i < b; i++) {
      int row = i;
      rowOf[i] =
          seen.computeIfAbsent(
              java.nio.IntBuffer.wrap(prompts.get(i)),
              k -> {
                firstRows.add(row);
                return firstRows.size() - 1;
              });
    }
    boolean share = useCache && firstRows.size() < b;
    lastPrefillRows = share ? firstRows.size() : b;
    try (NDManager run = model.manager().newSubManager()) {
      KvCache cache = null;
      try {
        long[] allIds = ids;
        float[] allValid = valid;
        int width = promptLength;
        long[] stepIds = ids;
        float[] stepValid = valid;
        int stepWidth = promptLength;
        long capacity = promptLength + config.maxNewTokens();
        // The original rows the cache's rows hold, in order: rows that finish are dropped from it
        // once a quarter of it has, so the steps after compute only the rows still sampling.
        int[] live = new int[b];
        for (int i = 0; i < b; i++) {
          live[i] = i;
        }
        for (int t = 0; t < config.maxNewTokens(); t++) {
          double[] uniforms = new double[b];
          for (int i = 0; i < b; i++) {
            // One draw per live row per step, whatever the others do: row i's stream alone
            // decides its tokens.
            uniforms[i] = done[i] || config.greedy() ? 0 : randoms[i].nextDouble();
          }
          int[] banned = t < config.minNewTokens() ? stops : new int[0];
          TokenSampler.Choices choices;
          if (t == 0 && share) {
            int u = firstRows.size();
            try (KvCache prefill = new KvCache(run, model.config(), u, capacity);
                NDManager step = run.newSubManager()) {
              long[] uniqueIds = new long[u * promptLength];
              float[] uniqueValid = new float[u * promptLength];
              for (int j = 0; j < u; j++) {
                int r = firstRows.get(j);
                System.arraycopy(ids, r * promptLength, uniqueIds, j * promptLength, promptLength);
                System.arraycopy(
                    valid, r * promptLength, uniqueValid, j * promptLength, promptLength);
              }
              NDArray hidden =
                  model.hidden(
                      step.create(uniqueIds, new Shape(u, promptLength)),
                      step.create(uniqueValid, new Shape(u, promptLength)),
                      prefill);
              NDArray last =
                  hidden.get(new NDIndex().addAllDim().addSliceDim(promptLength - 1, promptLength));
              NDArray logits = model.logits(last).reshape(u, vocab);
              NDArray index = step.create(toLongs(rowOf));
              NDArray expanded = // row i: its prompt's logits (a row lookup)
                  index
                      .getNDArrayInternal()
                      .embedding(index, logits, ai.djl.ndarray.types.SparseFormat.DENSE)
                      .singletonOrThrow();
              choices = sampler.choose(expanded, banned, uniforms);
              cache = prefill.gather(run, rowOf);
            }
          } else {
            if (t == 0 && useCache) {
              cache = new KvCache(run, model.config(), b, capacity);
            }
            int rows = live.length;
            try (NDManager step = run.newSubManager()) {
              NDArray in =
                  useCache
                      ? step.create(stepIds, new Shape(rows, stepWidth))
                      : step.create(allIds, new Shape(b, width));
              NDArray inValid =
                  useCache
                      ? step.create(stepValid, new Shape(rows, stepWidth))
                      : step.create(allValid, new Shape(b, width));
              NDArray hidden = model.hidden(in, inValid, cache);
              long columns = in.getShape().get(1);
              NDArray last =
                  hidden.get(new NDIndex().addAllDim().addSliceDim(columns - 1, columns));
              choices =
                  sampler.choose(
                      model.logits(last).reshape(rows, vocab), banned, pick(uniforms, live));
            }
          }
          long[] next = new long[live.length];
          float[] nextValid = new float[live.length];
          int alive = 0;
          for (int j = 0; j < live.length; j++) {
            int i = live[j];
            if (done[i]) {
              next[j] = stops.length > 0 ? stops[0] : 0;
              continue;
            }
            int token = (int) choices.tokens()[j];
            tokens.get(i).add(token);
            logProbs.get(i).add(choices.logProbs()[j]);
            next[j] = token;
            nextValid[j] = 1;
            if (stops(token)) {
              done[i] = true;
              endedWithEos[i] = true;
            } else {
              alive++;
            }
          }
          if (allDone(done)) {
            break;
          }
          if (useCache && alive <= live.length * 3 / 4) {
            int[] keep = new int[alive];
            for (int j = 0, k = 0; j < live.length; j++) {
              if (!done[live[j]]) {
                keep[k++] = j;
              }
            }
            KvCache smaller = cache.gather(run, keep);
            cache.close();
            cache = smaller;
            live = pick(live, keep);
            next = pick(next, keep);
            nextValid = pick(nextValid, keep);
            compactions++;
          }
          stepIds = next;
          stepValid = nextValid;
          stepWidth = 1;
          if (!useCache) {
            allIds = widen(allIds, new long[b * (width + 1)], b, width);
            allValid = widen(allValid, new float[b * (width + 1)], b, width);
            width++;
            for (int i = 0; i < b; i++) {
              allIds[i * width + width - 1] = next[i];
              allValid[i * width + width - 1] = nextValid[i];
            }
          }
        }
      } finally {
        if (cache != null) {
          cache.close();
        }
      }
    }
    List<Generation> out = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      int[] response = tokens.get(i).stream().mapToInt(Integer::intValue).toArray();
      float[] lp = new float[response.length];
      for (int j = 0; j < lp.length; j++) {
        lp[j] = logProbs.get(i).get(j);
      }
      out.add(new Generation(prompts.get(i).clone(), response, lp, endedWithEos[i]));
    }
    return out;
  }

  // a[index[j]] for each j.
  private static double[] pick(double[] a, int[] index) {
    double[] out = new double[index.length];
    for (int j = 0; j < index.length; j++) {
      out[j] = a[index[j]];
    }
    return out;
  }

  private static int[] pick(int[] a, int[] index) {
    int[] out = new int[index.length];
    for (int j = 0; j < index.length; j++) {
      out[j] = a[index[j]];
    }
    return out;
  }

  private static long[] pick(long[] a, int[] index) {
    long[] out = new long[index.length];
    for (int j = 0; j < index.length; j++) {
      out[j] = a[index[j]];
    }
    return out;
  }

  private static float[] pick(float[] a, int[] index) {
    float[] out = new float[index.length];
    for (int j = 0; j < index.length; j++) {
      out[j] = a[index[j]];
    }
    return out;
  }

  private static long[] toLongs(int[] a) {
    long[] out = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i];
    }
    return out;
  }

  /**
   * How many prompt rows the last {@link #generate} call ran through the model before decoding: one
   * per distinct prompt with the cache (rows sharing a prompt share its prefill), every row without
   * it.
   */
  public int lastPrefillRows() {
    return lastPrefillRows;
  }

  /**
   * How many times generation so far dropped finished rows from the batch (with the cache, once a
   * quarter of the rows still in it have finished), so that later steps computed only the rest.
   */
  public int compactions() {
    return compactions;
  }

  private static boolean allDone(boolean[] done) {
    for (boolean d : done) {
      if (!d) {
        return false;
      }
    }
    return true;
  }

  // Copies a [rows, width] row-major array into a [rows, width + 1] one whose last column the
  // caller fills in.
  private static <A> A widen(A from, A to, int rows, int width) {
    for (int i = 0; i < rows; i++) {
      System.arraycopy(from, i * width, to, i * (width + 1), width);
    }
    return to;
  }
}
