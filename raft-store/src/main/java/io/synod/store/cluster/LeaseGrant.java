package io.synod.store.cluster;

/**
 * The answer to taking or renewing the leader lock.
 *
 * @param held whether this node holds the lock after the call
 * @param deadlineNanos on {@link System#nanoTime()}: the moment this node must assume it lost the
 *     lock (already shortened by the clock-drift margin); meaningful only when held
 * @param holder who holds the lock now (null when nobody does)
 */
public record LeaseGrant(boolean held, long deadlineNanos, String holder) {
  public long remainingMs() {
    return held ? Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000L) : 0;
  }
}
