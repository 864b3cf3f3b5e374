package io.synod.store.kv;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The Raft leader's view of when each leased key may expire, on its own monotonic clock.
 *
 * <p>Only the leader tracks deadlines, and only it proposes {@link Command#expire}. A deadline is
 * set when a leased write is applied here (never earlier than the writer sent it), moved on by
 * keep-alives that reach this leader (which are not logged), and when this node becomes leader
 * every live lease gets a full TTL from that moment, because the new leader cannot know when the
 * old one last saw a renewal or a keep-alive. Times are passed in so tests drive the clock.
 */
public final class LeaseTracker {
  private record Deadline(long revision, long atNanos) {}

  private final Map<String, Deadline> deadlines = new HashMap<>();
  private final Map<String, Long> proposed = new HashMap<>();
  private boolean leader;
  private LongConsumer onDeadline = at -> {};

  /**
   * Told each new deadline (a {@link System#nanoTime} value), so that whoever proposes expiries can
   * sleep until {@link #nextDeadlineNanos} and still wake for one that comes sooner.
   */
  public synchronized void onDeadline(LongConsumer listener) {
    onDeadline = listener;
  }

  public synchronized void becomeLeader(Iterable<KvEntry> leased, long nowNanos) {
    leader = true;
    deadlines.clear();
    proposed.clear();
    for (KvEntry e : leased) {
      deadlines.put(e.key(), new Deadline(e.modRevision(), nowNanos + e.ttlMs() * 1_000_000L));
    }
    long next = nextDeadlineNanos();
    if (next != Long.MAX_VALUE) {
      onDeadline.accept(next);
    }
  }

  public synchronized void stepDown() {
    leader = false;
    deadlines.clear();
    proposed.clear();
  }

  public synchronized boolean isLeader() {
    return leader;
  }

  /** Called for every applied change, in log order. */
  public synchronized void onEvent(WatchEvent ev, long nowNanos) {
    if (!leader) {
      return;
    }
    if (ev.entry() != null && ev.entry().hasLease()) {
      long at = nowNanos + ev.entry().ttlMs() * 1_000_000L;
      deadlines.put(ev.key(), new Deadline(ev.entry().modRevision(), at));
      onDeadline.accept(at);
    } else {
      deadlines.remove(ev.key());
    }
    proposed.remove(ev.key());
  }

  /**
   * A keep-alive: pushes the deadline of {@code key} to {@code atNanos} (never pulls it in), but
   * only while this node leads, the key still has {@code revision}, its current deadline has not
   * passed and no expiry is in flight. A lease that already ran out is not revived here: the caller
   * falls back to a logged write, which races the expiry in the log as before.
   *
   * @return whether the lease now runs at least until {@code atNanos}
   */
  public synchronized boolean extend(String key, long revision, long atNanos, long nowNanos) {
    if (!leader) {
      return false;
    }
    Deadline d = deadlines.get(key);
    if (d == null
        || d.revision != revision
        || d.atNanos - nowNanos <= 0
        || Long.valueOf(revision).equals(proposed.get(key))) {
      return false;
    }
    if (atNanos - d.atNanos > 0) {
      deadlines.put(key, new Deadline(revision, atNanos));
    }
    return true;
  }

  /** Keys whose lease ran out and for which no expiry was proposed yet: key to revision. */
  public synchronized Map<String, Long> due(long nowNanos) {
    if (!leader) {
      return Map.of();
    }
    Map<String, Long> out = new HashMap<>();
    List<String> keys = new ArrayList<>(deadlines.keySet());
    for (String k : keys) {
      Deadline d = deadlines.get(k);
      if (d.atNanos - nowNanos <= 0 && !Long.valueOf(d.revision).equals(proposed.get(k))) {
        out.put(k, d.revision);
        proposed.put(k, d.revision);
      }
    }
    return out;
  }

  /** An expiry proposal failed (e.g. lost leadership mid-way): allow proposing it again. */
  public synchronized void retry(String key, long revision) {
    if (proposed.remove(key, revision)) {
      Deadline d = deadlines.get(key);
      if (d != null) {
        onDeadline.accept(d.atNanos); // already past: due again at once
      }
    }
  }

  /**
   * When the next lease with no expiry proposed yet runs out; {@link Long#MAX_VALUE} when there is
   * none (or this node does not lead).
   */
  public synchronized long nextDeadlineNanos() {
    if (!leader) {
      return Long.MAX_VALUE;
    }
    long next = Long.MAX_VALUE;
    boolean any = false;
    for (Map.Entry<String, Deadline> e : deadlines.entrySet()) {
      Deadline d = e.getValue();
      if (Long.valueOf(d.revision).equals(proposed.get(e.getKey()))) {
        continue;
      }
      if (!any || d.atNanos - next < 0) {
        next = d.atNanos;
        any = true;
      }
    }
    return any ? next : Long.MAX_VALUE;
  }

  /** Remaining lease of a key as this leader sees it, in ms; -1 when not tracked. */
  public synchronized long remainingMs(String key, long nowNanos) {
    Deadline d = deadlines.get(key);
    return d == null ? -1 : Math.max(0, (d.atNanos - nowNanos) / 1_000_000L);
  }
}
