package io.synod.bench.drill;

import io.synod.bench.cluster.HaCluster;
import io.synod.bench.cluster.HaCluster.Node;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a crash failover's time went, read from the node logs (manager and PostgreSQL) after the
 * trial. All processes run on this machine, so their timestamps share one clock with the drill's.
 *
 * <p>Synod: detection = kill to the Raft leader's "lease of .../leader expired" (includes a Raft
 * re-election when the killed node also led the Raft group); race = expiry to the winner's "taking
 * the lease" decision (HA loop wakes on the key's deletion, reads the cluster, asks the peers);
 * promote = decision to PostgreSQL's "archive recovery complete" (lease write, promote request, end
 * of recovery: writes are allowed from then on); client = until the writing client's first commit
 * on it.
 *
 * <p>Patroni: detection = kill to the winner's first leader-race line (its health probes of the
 * other members, logged once the leader key is gone); race = to "acquired/promoted ... session
 * lock"; then promote and client as above.
 */
public final class Timeline {
  private static final Pattern TS =
      Pattern.compile(
          "^(\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2}:\\d{2})[.,](\\d{3})(?: ([A-Z]{2,5})\\b)?");

  private Timeline() {}

  /** Epoch ms of a log line's leading timestamp, or -1. */
  static long epochMs(String line) {
    Matcher m = TS.matcher(line);
    if (!m.find()) {
      return -1;
    }
    LocalDateTime t = LocalDateTime.parse(m.group(1) + "T" + m.group(2) + "." + m.group(3));
    String zone = m.group(4);
    ZoneId z =
        zone != null && (zone.equals("UTC") || zone.equals("GMT"))
            ? ZoneOffset.UTC
            : ZoneId.systemDefault();
    return t.atZone(z).toInstant().toEpochMilli();
  }

  /** Byte offsets of the logs when a trial started: the breakdown reads only what came after. */
  private static final Map<Path, Long> OFFSETS = new java.util.concurrent.ConcurrentHashMap<>();

  /** Remembers where the logs of the cluster end now (call before the timed part). */
  public static void mark(HaCluster c) {
    for (Node n : c.nodes()) {
      for (Path p : List.of(c.managerLog(n), c.postgresLog(n))) {
        try {
          OFFSETS.put(p, Files.exists(p) ? Files.size(p) : 0L);
        } catch (IOException e) {
          OFFSETS.remove(p);
        }
      }
    }
  }

  private static java.util.stream.Stream<String> linesFrom(Path log) throws IOException {
    long off = OFFSETS.getOrDefault(log, 0L);
    if (off <= 0 || Files.size(log) < off) {
      return Files.lines(log, StandardCharsets.UTF_8);
    }
    java.io.InputStream in = Files.newInputStream(log);
    in.skipNBytes(off);
    java.io.BufferedReader r =
        new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
    return r.lines()
        .onClose(
            () -> {
              try {
                r.close();
              } catch (IOException ignored) {
                // read-only
              }
            });
  }

  /**
   * The first line at or after {@code fromMs} containing any of {@code needles}: its epoch ms, or
   * -1.
   */
  static long first(Path log, long fromMs, String... needles) {
    if (log == null || !Files.exists(log)) {
      return -1;
    }
    try (var lines = linesFrom(log)) {
      return lines
          .mapToLong(
              l -> {
                for (String n : needles) {
                  if (l.contains(n)) {
                    long t = epochMs(l);
                    return t >= fromMs ? t : -1;
                  }
                }
                return -1;
              })
          .filter(t -> t >= 0)
          .findFirst()
          .orElse(-1);
    } catch (IOException | java.io.UncheckedIOException e) {
      return -1;
    }
  }

  static long firstOf(List<Path> logs, long fromMs, String... needles) {
    long best = -1;
    for (Path p : logs) {
      long t = first(p, fromMs, needles);
      if (t >= 0 && (best < 0 || t < best)) {
        best = t;
      }
    }
    return best;
  }

  static Long span(long from, long to) {
    return from < 0 || to < 0 ? null : to - from;
  }

  public static Map<String, Object> synodFailover(
      HaCluster c, Node killed, Node winner, long killMs, long commitMs) {
    List<Path> survivors = c.nodes().stream().filter(n -> n != killed).map(c::managerLog).toList();
    // log timestamps have ms resolution and the kill is taken just before the signal: allow 1 ms
    long from = killMs - 1;
    long raft = firstOf(survivors, from, "raft: this node is the leader");
    long expired = firstOf(survivors, from, "/leader expired");
    long take = first(c.managerLog(winner), from, "taking the lease");
    long promoteRequest = first(c.postgresLog(winner), from, "received promote request");
    long ready = first(c.postgresLog(winner), from, "archive recovery complete");
    Map<String, Object> m = new LinkedHashMap<>();
    // A Raft leader change before the expiry is a re-election the crash caused (the killed node led
    // the
    // Raft group); one after it is the engine moving Raft leadership off the new primary's node.
    m.put(
        "raft_reelection_ms",
        raft >= 0 && (expired < 0 || raft <= expired) ? span(killMs, raft) : null);
    m.put("detection_ms", span(killMs, expired));
    m.put("race_ms", span(expired, take));
    m.put("lease_and_promote_request_ms", span(take, promoteRequest));
    m.put("pg_promotion_ms", span(promoteRequest, ready));
    m.put("promote_ms", span(take, ready));
    m.put("client_ms", span(ready, commitMs));
    return m;
  }

  /**
   * Synod switchover: request to the old leader's "stepping down" decision (REST, failover key,
   * loop wake-up); then to the candidate's "taking the lease" (fast shutdown of the old primary,
   * lock release, candidate wakes); then PostgreSQL's end of recovery; then the client's commit.
   */
  public static Map<String, Object> synodSwitchover(
      HaCluster c, Node old, Node candidate, long startMs, long commitMs) {
    long from = startMs - 1;
    long decided = first(c.managerLog(old), from, "switchover: stepping down");
    long take = first(c.managerLog(candidate), from, "taking the lease");
    long ready = first(c.postgresLog(candidate), from, "archive recovery complete");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("request_to_stepdown_ms", span(startMs, decided));
    m.put("stepdown_to_take_ms", span(decided, take));
    m.put("promote_ms", span(take, ready));
    m.put("client_ms", span(ready, commitMs));
    return m;
  }

  public static Map<String, Object> patroniFailover(
      HaCluster c, Node winner, long killMs, long commitMs) {
    long from = killMs - 1;
    Path log = c.managerLog(winner);
    long race =
        first(
            log,
            from,
            "Got response from",
            "Request failed to",
            "Lock owner: None",
            "Could not take out TTL lock");
    long took =
        first(
            log,
            from,
            "promoted self to leader by acquiring session lock",
            "acquired session lock as a leader");
    long ready = first(c.postgresLog(winner), from, "archive recovery complete");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("detection_ms", span(killMs, race));
    m.put("race_ms", span(race, took));
    m.put("promote_ms", span(took, ready));
    m.put("client_ms", span(ready, commitMs));
    return m;
  }
}
