package io.rlhf4j.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The named numbers of one training step, in insertion order, for listeners (JSONL, logs, progress
 * bars).
 *
 * @param stage which stage produced them, e.g. "sft", "reward", "ppo"
 * @param step the 1-based step within the stage
 * @param values metric name to value
 */
public record StepMetrics(String stage, long step, Map<String, Double> values) {
  /** Validates and freezes the map (keeping its order). */
  public StepMetrics {
    checkNotNull(stage, "stage");
    checkArgument(step >= 0, "step must be >= 0");
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** The value of {@code name}; throws if absent so a typo fails loudly. */
  public double get(String name) {
    Double v = values.get(name);
    checkArgument(v != null, "no metric '%s' in %s", name, values.keySet());
    return v;
  }
}
