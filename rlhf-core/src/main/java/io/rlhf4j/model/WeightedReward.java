package io.rlhf4j.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleBiFunction;

/**
 * Several rewards of (prompt text, response text) as one: r = Σ wᵢ·fᵢ, as TRL's {@code
 * reward_funcs} with {@code reward_weights}. A term of weight 0 is evaluated and reported, not
 * optimised. Each term's scores of the last batch are kept, so that reporting a term's mean (see
 * {@link #term}) does not call its function again, which may be a remote service.
 */
public final class WeightedReward implements RewardModel, Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * A reward of a whole batch of texts at once (one request to a remote service for a rollout).
   * Serialisable, so that a reward (a lambda, a verifier, a remote service's address) travels to
   * the executors of a Spark rollout; a lambda is, when what it captures is.
   */
  @FunctionalInterface
  public interface BatchFunction extends Serializable {
    /** One score per (prompt, response) pair, in order. */
    double[] score(List<String> prompts, List<String> responses);
  }

  /**
   * One named reward and its weight.
   *
   * @param name the metric it is reported under
   * @param weight its weight in the sum (0: reported only)
   * @param batch (prompt texts, response texts) to scores, higher is better
   */
  public record Term(String name, double weight, BatchFunction batch) implements Serializable {
    /** Validates. */
    public Term {
      checkNotNull(name, "name");
      checkArgument(Double.isFinite(weight), "weight must be finite: %s", weight);
      checkNotNull(batch, "batch");
    }

    /**
     * A reward of one (prompt, response) pair at a time; a lambda written here is serialisable (see
     * {@link RewardFunction}).
     */
    public static Term of(String name, double weight, RewardFunction f) {
      return of(name, weight, (ToDoubleBiFunction<String, String>) f);
    }

    /**
     * A reward of one (prompt, response) pair at a time. Serialisable only when {@code f} is: use
     * {@link #of(String, double, RewardFunction)} for rewards that go to Spark executors.
     */
    public static Term of(String name, double weight, ToDoubleBiFunction<String, String> f) {
      checkNotNull(f, "function");
      return new Term(
          name,
          weight,
          (prompts, responses) -> {
            double[] out = new double[prompts.size()];
            for (int i = 0; i < out.length; i++) {
              out[i] = f.applyAsDouble(prompts.get(i), responses.get(i));
            }
            return out;
          });
    }
  }

  private final Tokenizer tokenizer;
  private final List<Term> terms;
  // The last batch's scores per term, by (prompt, response) text; not shipped to executors.
  private transient Map<String, Map<List<String>, Double>> last = new HashMap<>();

  /**
   * @param tokenizer decodes prompts and responses
   * @param terms the rewards; their names distinct, at least one weight not 0
   */
  public WeightedReward(Tokenizer tokenizer, List<Term> terms) {
    this.tokenizer = checkNotNull(tokenizer, "tokenizer");
    this.terms = List.copyOf(terms);
    checkArgument(
        this.terms.stream().anyMatch(t -> t.weight() != 0),
        "every reward has weight 0: nothing to optimise");
    Map<String, Term> byName = new LinkedHashMap<>();
    for (Term t : this.terms) {
      checkArgument(byName.put(t.name(), t) == null, "two rewards are named %s", t.name());
    }
  }

  @Override
  public synchronized double[] score(List<int[]> prompts, List<int[]> responses) {
    checkArgument(
        prompts.size() == responses.size(),
        "%s prompts but %s responses",
        prompts.size(),
        responses.size());
    last = new HashMap<>();
    List<String> promptTexts = new ArrayList<>();
    List<String> responseTexts = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      promptTexts.add(tokenizer.decode(prompts.get(i)));
      responseTexts.add(tokenizer.decode(responses.get(i)));
    }
    double[] out = new double[prompts.size()];
    for (Term t : terms) {
      double[] s = t.batch().score(promptTexts, responseTexts);
      checkArgument(
          s.length == out.length,
          "reward %s gave %s scores for %s",
          t.name(),
          s.length,
          out.length);
      Map<List<String>, Double> kept = last.computeIfAbsent(t.name(), n -> new HashMap<>());
      for (int i = 0; i < out.length; i++) {
        kept.put(List.of(promptTexts.get(i), responseTexts.get(i)), s[i]);
        out[i] += t.weight() * s[i];
      }
    }
    return out;
  }

  /** The rewards, in order. */
  public List<Term> terms() {
    return terms;
  }

  /**
   * The named term's score of a text pair: from the last scored batch when it was there, otherwise
   * by calling its function (a batch scored elsewhere, on a Spark executor).
   */
  public ToDoubleBiFunction<String, String> term(String name) {
    Term term =
        terms.stream()
            .filter(t -> t.name().equals(name))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no reward named " + name));
    return (prompt, response) -> {
      synchronized (this) {
        Double known =
            last == null ? null : last.getOrDefault(name, Map.of()).get(List.of(prompt, response));
        if (known != null) {
          return known;
        }
      }
      return term.batch().score(List.of(prompt), List.of(response))[0];
    };
  }

  /** Names and weights, for a run's settings: e.g. {@code [dog×1.0, length×0.0]}. */
  public static String describe(List<Term> terms) {
    List<String> parts = new ArrayList<>();
    for (Term t : terms) {
      parts.add(t.name() + "×" + t.weight());
    }
    return parts.toString();
  }

  @Override
  public String toString() {
    return describe(terms);
  }
}
