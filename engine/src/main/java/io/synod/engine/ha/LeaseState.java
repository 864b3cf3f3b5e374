package io.synod.engine.ha;

import io.synod.store.cluster.LeaseGrant;

/** This node's own belief about the leader lock: held until the deadline of its last renewal. */
final class LeaseState {
  private volatile long deadlineNanos;
  private volatile boolean held;

  void update(LeaseGrant g) {
    held = g.held();
    deadlineNanos = g.deadlineNanos();
  }

  void lose() {
    held = false;
  }

  boolean valid() {
    return held && deadlineNanos - System.nanoTime() > 0;
  }

  long remainingMs() {
    return valid() ? (deadlineNanos - System.nanoTime()) / 1_000_000L : 0;
  }
}
