package io.rlhf4j.spark;

import io.rlhf4j.djl.model.CausalLm;
import io.rlhf4j.djl.train.rollout.RolloutWorker;
import java.util.List;

/**
 * One executor-side copy of a trainer's models with the worker over them, and the version of the
 * trained weights it holds. Used by one task at a time.
 */
final class ExecutorModels implements AutoCloseable {
  final long blueprint;
  private final List<CausalLm> models; // bases before the views on them
  private final RolloutWorker worker;
  private long version;

  ExecutorModels(long blueprint, List<CausalLm> models, RolloutWorker worker, long version) {
    this.blueprint = blueprint;
    this.models = List.copyOf(models);
    this.worker = worker;
    this.version = version;
  }

  /** The worker, its trained models holding {@code weights}. */
  RolloutWorker worker(TrainedWeights weights) {
    if (weights.version() != version) {
      // Marked stale first: a load that fails half way is redone by the next task, not trusted.
      version = Long.MIN_VALUE;
      worker.policy().loadTensors(weights.policy());
      if (worker.valueModel() != null) {
        worker.valueModel().loadTensors(weights.value());
      }
      version = weights.version();
    }
    return worker;
  }

  @Override
  public void close() {
    closeAll(models);
  }

  // Views first, then their bases.
  static void closeAll(List<CausalLm> models) {
    for (int i = models.size() - 1; i >= 0; i--) {
      models.get(i).close();
    }
  }
}
