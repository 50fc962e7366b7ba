package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

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
