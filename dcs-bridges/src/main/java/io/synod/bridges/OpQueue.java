package io.synod.bridges;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bounded queue between the Raft watcher and the target writer. Coalescing: a newer change of a
 * key replaces the queued one (the target never needs the values in between) but keeps the older
 * timestamp, so the lag counts from the first change not yet mirrored. {@link #offer} refuses when
 * {@code capacity} distinct keys wait; the mirror then falls back to a full resync.
 */
final class OpQueue {
  /** One pending change; {@code entry} null means delete. */
  record Op(String key, MirrorEntry entry, long sinceNanos) {}

  private final int capacity;
  private final LinkedHashMap<String, Op> ops = new LinkedHashMap<>();

  OpQueue(int capacity) {
    this.capacity = capacity;
  }

  synchronized boolean offer(Op op) {
    Op prev = ops.get(op.key());
    if (prev != null) {
      // replaced in place: the key keeps its turn, the oldest change is written first
      op = new Op(op.key(), op.entry(), Math.min(prev.sinceNanos(), op.sinceNanos()));
    } else if (ops.size() >= capacity) {
      return false;
    }
    ops.put(op.key(), op);
    notifyAll();
    return true;
  }

  /** The oldest pending change, waiting up to {@code timeoutMs}; null when none came. */
  synchronized Op poll(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (ops.isEmpty()) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) {
        return null;
      }
      wait(left);
    }
    Iterator<Map.Entry<String, Op>> it = ops.entrySet().iterator();
    Op first = it.next().getValue();
    it.remove();
    return first;
  }

  synchronized void clear() {
    ops.clear();
  }

  synchronized int size() {
    return ops.size();
  }

  /** When the oldest pending change was seen, or Long.MAX_VALUE when nothing waits. */
  synchronized long oldestSinceNanos() {
    long min = Long.MAX_VALUE;
    for (Op o : ops.values()) {
      min = Math.min(min, o.sinceNanos());
    }
    return min;
  }

  /** Wakes a waiting {@link #poll}. */
  synchronized void wake() {
    notifyAll();
  }
}
