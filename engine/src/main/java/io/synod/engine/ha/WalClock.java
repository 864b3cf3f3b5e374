package io.synod.engine.ha;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * When the primary's WAL passed a position: samples of (time, current LSN) taken once per HA loop,
 * so a standby's lag can be told in time, not only in bytes. A standby that has not flushed WAL the
 * primary wrote a second ago, and has not replied for a second, is cut off; one that is merely
 * behind the last few milliseconds of WAL (a commit between its flush and our query) is not.
 */
final class WalClock {
  private static final int MAX_SAMPLES = 64;

  private record Sample(long nanos, long lsn) {}

  private final Deque<Sample> samples = new ArrayDeque<>();

  /** Records the primary's position now; positions never go back (a new primary starts over). */
  void sample(long nanos, long lsn) {
    Sample last = samples.peekLast();
    if (last != null && lsn < last.lsn()) {
      samples.clear();
    }
    if (last != null && last.lsn() == lsn) {
      return; // no new WAL: the first sample at this position tells when it was reached
    }
    samples.addLast(new Sample(nanos, lsn));
    while (samples.size() > MAX_SAMPLES) {
      samples.removeFirst();
    }
  }

  void clear() {
    samples.clear();
  }

  /**
   * How long the primary has had WAL beyond {@code flushLsn}: 0 when the standby has everything
   * sampled, else the age of the oldest sample past it (a lower bound when history is short).
   */
  long behindMs(long flushLsn, long nowNanos) {
    for (Sample s : samples) {
      if (s.lsn() > flushLsn) {
        return Math.max(0, (nowNanos - s.nanos()) / 1_000_000L);
      }
    }
    return 0;
  }
}
