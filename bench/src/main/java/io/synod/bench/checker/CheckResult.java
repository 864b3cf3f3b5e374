package io.synod.bench.checker;

import io.synod.bench.checker.WriteLedger.Ack;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The verdict of one checker run: acknowledged commits, the acknowledged ones that are gone, ids
 * found more than once, ids found that were never attempted, the in-flight attempts that did or did
 * not survive, the longest time without an acknowledged commit, and the commit latency.
 */
public record CheckResult(
    int acknowledged,
    List<Ack> lost,
    Map<Long, Integer> duplicates,
    int uncertain,
    int uncertainCommitted,
    long refused,
    List<Long> unknownRows,
    double longestGapMs,
    Ack gapFrom,
    Ack gapTo,
    double latencyP50Ms,
    double latencyP99Ms,
    double latencyMaxMs,
    long ackedWithWarning,
    Map<String, Integer> acksPerNode) {

  /** No acknowledged write lost, nothing duplicated, nothing that was never written. */
  public boolean ok() {
    return lost.isEmpty() && duplicates.isEmpty() && unknownRows.isEmpty();
  }

  public String line() {
    return String.format(
        Locale.ROOT,
        "acknowledged %d, lost %d, duplicates %d, never-written rows %d; in doubt %d (%d committed);"
            + " longest write gap %.0f ms; commit latency p50 %.2f ms, p99 %.2f ms, max %.0f ms",
        acknowledged,
        lost.size(),
        duplicates.size(),
        unknownRows.size(),
        uncertain,
        uncertainCommitted,
        longestGapMs,
        latencyP50Ms,
        latencyP99Ms,
        latencyMaxMs);
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("acknowledged", acknowledged);
    m.put("lost", lost.size());
    m.put("duplicates", duplicates.size());
    m.put("never_written_rows", unknownRows.size());
    m.put("in_doubt", uncertain);
    m.put("in_doubt_committed", uncertainCommitted);
    m.put("refused", refused);
    m.put("acked_with_warning", ackedWithWarning);
    m.put("longest_gap_ms", round(longestGapMs));
    m.put("longest_gap_from", ackMap(gapFrom));
    m.put("longest_gap_to", ackMap(gapTo));
    m.put("commit_latency_p50_ms", round(latencyP50Ms));
    m.put("commit_latency_p99_ms", round(latencyP99Ms));
    m.put("commit_latency_max_ms", round(latencyMaxMs));
    m.put("acks_per_node", acksPerNode);
    List<Map<String, Object>> l = new ArrayList<>();
    for (Ack a : lost.subList(0, Math.min(lost.size(), 1000))) {
      l.add(ackMap(a));
    }
    m.put("lost_writes", l);
    m.put("duplicate_ids", duplicates);
    m.put("never_written_ids", unknownRows.subList(0, Math.min(unknownRows.size(), 1000)));
    return m;
  }

  static Map<String, Object> ackMap(Ack a) {
    if (a == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", a.id());
    m.put("node", a.node());
    m.put("acked_at", java.time.Instant.ofEpochMilli(a.epochMs()).toString());
    m.put("latency_ms", a.latencyMicros() / 1000.0);
    if (a.warning() != null) {
      m.put("warning", a.warning());
    }
    return m;
  }

  private static Double round(double d) {
    return Double.isNaN(d) ? null : Math.round(d * 100) / 100.0;
  }
}
