package io.synod.bench.checker;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the writing client knows, and nothing else: every commit it got an acknowledgement for (id,
 * the member it wrote through, when, how long the commit took), and every attempt whose outcome it
 * cannot know (the connection broke while the INSERT was in flight). Pure bookkeeping: {@link
 * #check} compares it with the rows read back after the cluster healed.
 *
 * <p>Ids are never reused: a retry after an error takes the next id. So a row seen twice is a real
 * duplicate (not a client retry), and an acknowledged id that is missing is a lost write.
 */
public final class WriteLedger {
  /** A commit the client was told succeeded. {@code nanos} is System.nanoTime at the answer. */
  public record Ack(
      long id, String node, long epochMs, long nanos, long latencyMicros, String warning) {}

  /** An attempt with no answer: it may or may not have committed. */
  public record Uncertain(long id, String node, long epochMs, String error) {}

  private final List<Ack> acks = new ArrayList<>();
  private final List<Uncertain> uncertain = new ArrayList<>();
  private long refused;

  public synchronized void ack(Ack a) {
    if (!acks.isEmpty() && acks.get(acks.size() - 1).id() >= a.id()) {
      throw new IllegalArgumentException(
          "ids must increase: " + a.id() + " after " + acks.get(acks.size() - 1).id());
    }
    acks.add(a);
  }

  public synchronized void uncertain(Uncertain u) {
    uncertain.add(u);
  }

  /** An attempt PostgreSQL refused before committing (e.g. read-only): certainly not written. */
  public synchronized void refused() {
    refused++;
  }

  public synchronized int ackCount() {
    return acks.size();
  }

  public synchronized List<Ack> acks() {
    return List.copyOf(acks);
  }

  public synchronized List<Uncertain> uncertainAttempts() {
    return List.copyOf(uncertain);
  }

  /** The first ack answered at or after {@code nanos} by a member other than {@code notNode}. */
  public synchronized Ack firstAckAfter(long nanos, String notNode) {
    int i = firstIndexAtOrAfter(nanos);
    for (; i < acks.size(); i++) {
      Ack a = acks.get(i);
      if (notNode == null || !a.node().equals(notNode)) {
        return a;
      }
    }
    return null;
  }

  /** The first ack answered at or after {@code nanos} by {@code node}. */
  public synchronized Ack firstAckOnAfter(long nanos, String node) {
    for (int i = firstIndexAtOrAfter(nanos); i < acks.size(); i++) {
      if (acks.get(i).node().equals(node)) {
        return acks.get(i);
      }
    }
    return null;
  }

  /** The last ack answered strictly before {@code nanos}, or null. */
  public synchronized Ack lastAckBefore(long nanos) {
    int i = firstIndexAtOrAfter(nanos) - 1;
    return i >= 0 ? acks.get(i) : null;
  }

  private int firstIndexAtOrAfter(long nanos) {
    int lo = 0;
    int hi = acks.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (acks.get(mid).nanos() < nanos) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * Compares the ledger with the rows found after healing.
   *
   * @param found id to number of rows with that id, as read back from the primary
   */
  public synchronized CheckResult check(Map<Long, Integer> found) {
    List<Ack> lost = new ArrayList<>();
    for (Ack a : acks) {
      if (!found.containsKey(a.id())) {
        lost.add(a);
      }
    }
    Map<Long, Integer> duplicates = new TreeMap<>();
    found.forEach(
        (id, n) -> {
          if (n > 1) {
            duplicates.put(id, n);
          }
        });
    java.util.Set<Long> attempted = new java.util.HashSet<>();
    acks.forEach(a -> attempted.add(a.id()));
    int uncertainCommitted = 0;
    for (Uncertain u : uncertain) {
      attempted.add(u.id());
      if (found.containsKey(u.id())) {
        uncertainCommitted++;
      }
    }
    List<Long> unknown = new ArrayList<>();
    for (Long id : found.keySet()) {
      if (!attempted.contains(id)) {
        unknown.add(id);
      }
    }
    Collections.sort(unknown);
    // the longest time without an acknowledged commit
    Ack gapFrom = null;
    Ack gapTo = null;
    long gap = 0;
    for (int i = 1; i < acks.size(); i++) {
      long g = acks.get(i).nanos() - acks.get(i - 1).nanos();
      if (g > gap) {
        gap = g;
        gapFrom = acks.get(i - 1);
        gapTo = acks.get(i);
      }
    }
    List<Long> lat = new ArrayList<>(acks.size());
    acks.forEach(a -> lat.add(a.latencyMicros()));
    Collections.sort(lat);
    long warned = acks.stream().filter(a -> a.warning() != null).count();
    Map<String, Integer> perNode = new LinkedHashMap<>();
    acks.forEach(a -> perNode.merge(a.node(), 1, Integer::sum));
    return new CheckResult(
        acks.size(),
        lost,
        duplicates,
        uncertain.size(),
        uncertainCommitted,
        refused,
        unknown,
        gap / 1e6,
        gapFrom,
        gapTo,
        percentile(lat, 0.50) / 1000.0,
        percentile(lat, 0.99) / 1000.0,
        lat.isEmpty() ? Double.NaN : lat.get(lat.size() - 1) / 1000.0,
        warned,
        perNode);
  }

  /** Nearest-rank percentile of sorted values (NaN when empty). */
  static double percentile(List<Long> sorted, double p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
