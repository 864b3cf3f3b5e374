package io.synod.store.kv;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Raft leader's view of when each leased key may expire, on its own monotonic clock.
 *
 * <p>Only the leader tracks deadlines, and only it proposes {@link Command#expire}. A deadline is
 * set when a leased write is applied here (never earlier than the writer sent it), and when this
 * node becomes leader every live lease gets a full TTL from that moment, because the new leader
 * cannot know when the old one last saw a renewal. Times are passed in so tests drive the clock.
 */
public final class LeaseTracker {
  private record Deadline(long revision, long atNanos) {}

  private final Map<String, Deadline> deadlines = new HashMap<>();
  private final Map<String, Long> proposed = new HashMap<>();
  private boolean leader;

  public synchronized void becomeLeader(Iterable<KvEntry> leased, long nowNanos) {
    leader = true;
    deadlines.clear();
    proposed.clear();
    for (KvEntry e : leased) {
      deadlines.put(e.key(), new Deadline(e.modRevision(), nowNanos + e.ttlMs() * 1_000_000L));
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
      deadlines.put(
          ev.key(),
          new Deadline(ev.entry().modRevision(), nowNanos + ev.entry().ttlMs() * 1_000_000L));
    } else {
      deadlines.remove(ev.key());
    }
    proposed.remove(ev.key());
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
    proposed.remove(key, revision);
  }

  /** Remaining lease of a key as this leader sees it, in ms; -1 when not tracked. */
  public synchronized long remainingMs(String key, long nowNanos) {
    Deadline d = deadlines.get(key);
    return d == null ? -1 : Math.max(0, (d.atNanos - nowNanos) / 1_000_000L);
  }
}
