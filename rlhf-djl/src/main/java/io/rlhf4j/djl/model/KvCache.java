package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.rlhf4j.djl.internal.engine.Scopes;

/**
 * Keys and values of every layer for the tokens seen so far, so that decoding one more token costs
 * one token's forward pass instead of the whole prefix's. Preallocated to its capacity and written
 * in place: appending never copies the prefix, so a step costs the same at token 250 as at token 5.
 * Also records which key slots hold real tokens (left padding does not).
 *
 * <p>Owns its arrays in its own manager; close it to free them.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private final NDArray keyValid;
  private final long capacity;
  private long length;

  /**
   * An empty cache.
   *
   * @param parent the manager whose sub-manager will own the arrays
   * @param config the model's shape
   * @param batch rows
   * @param capacity the most positions it will hold (prompt + new tokens)
   */
  public KvCache(NDManager parent, ModelConfig config, long batch, long capacity) {
    this.manager = parent.newSubManager();
    this.capacity = capacity;
    this.keys = new NDArray[config.numLayers()];
    this.values = new NDArray[config.numLayers()];
    Shape shape = new Shape(batch, config.numKvHeads(), capacity, config.headDim());
    for (int i = 0; i < keys.length; i++) {
      keys[i] = manager.zeros(shape);
      values[i] = manager.zeros(shape);
    }
    this.keyValid = manager.zeros(new Shape(batch, capacity));
  }

  // A cache over arrays already made in `manager` (gather's copies).
  private KvCache(
      NDManager manager, NDArray[] keys, NDArray[] values, NDArray keyValid, long capacity) {
    this.manager = manager;
    this.keys = keys;
    this.values = values;
    this.keyValid = keyValid;
    this.capacity = capacity;
  }

  /**
   * A new cache of {@code rows.length} rows, row i a copy of this cache's row {@code rows[i]}, as
   * long and as large as this one: the rows of a group that share a prompt get that prompt's keys
   * and values, computed once.
   *
   * @param parent the manager whose sub-manager will own the new arrays
   */
  public KvCache gather(NDManager parent, int[] rows) {
    NDManager owner = parent.newSubManager();
    try (NDManager scope = manager.newSubManager()) {
      NDArray index = scope.create(java.util.Arrays.stream(rows).asLongStream().toArray());
      NDArray[] k = new NDArray[keys.length];
      NDArray[] v = new NDArray[values.length];
      for (int layer = 0; layer < keys.length; layer++) {
        k[layer] = rowsOf(keys[layer], index, owner);
        v[layer] = rowsOf(values[layer], index, owner);
      }
      KvCache out = new KvCache(owner, k, v, rowsOf(keyValid, index, owner), capacity);
      out.length = length;
      return out;
    } catch (RuntimeException | Error e) {
      owner.close();
      throw e;
    }
  }

  // a[index[i]] for each i along the first axis, as a row lookup (one engine call).
  private static NDArray rowsOf(NDArray a, NDArray index, NDManager owner) {
    Shape shape = a.getShape();
    long rows = shape.get(0);
    NDArray table = a.reshape(rows, shape.size() / rows);
    NDArray picked =
        index
            .getNDArrayInternal()
            .embedding(index, table, ai.djl.ndarray.types.SparseFormat.DENSE)
            .singletonOrThrow();
    long[] dims = shape.getShape().clone();
    dims[0] = index.getShape().get(0);
    NDArray out = picked.reshape(new Shape(dims));
    out.attach(owner);
    return out;
  }

  /** The number of filled positions. */
  public long length() {
    return length;
  }

  /** Writes the validity of {@code t} new positions after the filled ones. */
  void appendValid(NDArray valid) {
    long t = valid.getShape().get(1);
    if (length + t > capacity) {
      throw new IllegalStateException("KV cache full: " + length + " + " + t + " > " + capacity);
    }
    keyValid.set(slots(2, length, length + t), valid);
  }

  /**
   * Validity of the filled slots plus the ones just appended, [B, S], as a view in {@code step}.
   */
  NDArray validUpTo(long end, NDManager step) {
    return Scopes.into(keyValid.get(slots(2, 0, end)), step);
  }

  /** Writes this step's keys and values, returning views of everything cached so far. */
  NDArray[] write(int layer, NDArray k, NDArray v, NDManager step) {
    long end = length + k.getShape().get(2);
    NDIndex fresh = slots(3, length, end);
    keys[layer].set(fresh, k);
    values[layer].set(fresh, v);
    NDIndex filled = slots(3, 0, end);
    return new NDArray[] {
      Scopes.into(keys[layer].get(filled), step), Scopes.into(values[layer].get(filled), step)
    };
  }

  /** Marks {@code t} more positions filled, after every layer has written them. */
  void advance(long t) {
    length += t;
  }

  // Index selecting [from, to) along the sequence axis, which is axis (rank-2) of [B, ..., S, hd]
  // arrays and axis 1 of [B, S] ones.
  private static NDIndex slots(int sequenceAxis, long from, long to) {
    NDIndex index = new NDIndex();
    for (int i = 0; i < sequenceAxis - 1; i++) {
      index.addAllDim();
    }
    return index.addSliceDim(from, to);
  }

  @Override
  public void close() {
    manager.close();
  }
}
