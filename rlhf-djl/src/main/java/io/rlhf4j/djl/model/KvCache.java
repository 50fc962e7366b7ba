package io.rlhf4j.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of every layer for the tokens seen so far, so that decoding one more token costs
 * one token's forward pass instead of the whole prefix's. Also tracks which key slots are real
 * tokens (left padding is not), shape [B, S].
 *
 * <p>Owns its arrays in its own manager; close it to free them.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private NDArray keyValid;

  /** An empty cache for a model with {@code numLayers} layers, arrays kept in {@code parent}. */
  public KvCache(NDManager parent, int numLayers) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[numLayers];
    this.values = new NDArray[numLayers];
  }

  /** The number of cached positions S (0 when empty). */
  public long length() {
    return keyValid == null ? 0 : keyValid.getShape().get(1);
  }

  NDArray keys(int layer) {
    return keys[layer];
  }

  NDArray values(int layer) {
    return values[layer];
  }

  /** Key-slot validity [B, S] (1 real, 0 padding), or null when empty. */
  public NDArray keyValid() {
    return keyValid;
  }

  void update(int layer, NDArray k, NDArray v) {
    keys[layer] = replace(keys[layer], k);
    values[layer] = replace(values[layer], v);
  }

  void updateValid(NDArray valid) {
    keyValid = replace(keyValid, valid);
  }

  private NDArray replace(NDArray old, NDArray fresh) {
    fresh.attach(manager);
    if (old != null && old != fresh) {
      old.close();
    }
    return fresh;
  }

  @Override
  public void close() {
    manager.close();
  }
}
