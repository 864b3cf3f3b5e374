package io.synod.bench.drill;

import io.synod.bench.cluster.HaCluster;
import io.synod.bench.cluster.HaCluster.Node;
import io.synod.bench.cluster.Procs;
import io.synod.bench.cluster.SynodCluster;
import io.synod.bench.cluster.SynodStoreClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * The two drills, each split in an untimed prepare, a timed part and an untimed finish, so the JMH
 * benchmarks and the human drill command run exactly the same code.
 *
 * <p>Crash failover: wait until the cluster is healthy, connect a writing client to both replicas,
 * wait a seeded random delay within the lease-renewal cycle, then SIGKILL the primary's whole node
 * (manager, fence sidecar, postmaster, backends). Timed: from the kill to the first INSERT that
 * commits on another member.
 *
 * <p>Switchover: a client writes every 10 ms to all three members; the request names the leader and
 * a replica. Timed: from the request to the first commit on the candidate. The write gap is the
 * time between the last commit on the old primary and that first commit on the new one.
 */
public final class Drills {
  public static final Duration HEALTHY = Duration.ofMinutes(5);
  public static final long PROBE_INTERVAL_MS = 10;

  private Drills() {}

  // ---------------------------------------------------------------- crash failover

  /** A crash failover made ready: the cluster is healthy and the client writes to the replicas. */
  public static final class PreparedFailover {
    final HaCluster cluster;
    public final Node primary;
    final List<Node> survivors;
    final WriteProbe probe;
    public final long delayMs;
    final List<Long> pids;
    long killNanos;
    long killEpochMs;

    PreparedFailover(
        HaCluster cluster,
        Node primary,
        List<Node> survivors,
        WriteProbe probe,
        long delayMs,
        List<Long> pids) {
      this.cluster = cluster;
      this.pids = pids;
      this.primary = primary;
      this.survivors = survivors;
      this.probe = probe;
      this.delayMs = delayMs;
    }
  }

  public static PreparedFailover prepareFailover(HaCluster c, Random rnd) throws Exception {
    Node primary = c.awaitHealthy(HEALTHY);
    c.createProbeTable(primary);
    List<Node> survivors = new ArrayList<>(c.nodes());
    survivors.remove(primary);
    WriteProbe probe = new WriteProbe(c, survivors, PROBE_INTERVAL_MS).start();
    Thread.sleep(300); // the client's connections to the replicas are open
    List<Long> pids = c.nodePids(primary);
    Timeline.mark(c);
    long delay = (long) (rnd.nextDouble() * c.renewalPeriodMs());
    Thread.sleep(delay); // a random point of the lease-renewal cycle
    return new PreparedFailover(c, primary, survivors, probe, delay, pids);
  }

  /** The timed part: kill -9 the primary node, wait for a write to commit elsewhere. Returns ms. */
  public static double crashAndAwaitWrite(PreparedFailover p) throws Exception {
    p.killEpochMs = System.currentTimeMillis();
    p.killNanos = System.nanoTime();
    p.cluster.crash(p.primary, p.pids);
    List<String> names = p.survivors.stream().map(n -> n.name).toList();
    long[] first =
        p.probe.awaitFirstCommitAfter(names, p.killNanos, p.cluster.failoverTimeout().toMillis());
    if (first == null) {
      throw new IllegalStateException(
          "no write committed on "
              + names
              + " within "
              + p.cluster.failoverTimeout().toSeconds()
              + " s of killing "
              + p.primary.name
              + " (logs under "
              + p.cluster.dir()
              + ")");
    }
    return (first[0] - p.killNanos) / 1e6;
  }

  /** Untimed: stop the client, read the logs for the breakdown, start the killed node again. */
  public static TrialResult finishFailover(PreparedFailover p, int trial, double ms)
      throws Exception {
    List<String> names = p.survivors.stream().map(n -> n.name).toList();
    long[] first = p.probe.firstCommitAfter(names, p.killNanos);
    p.probe.close();
    Node winner = first == null ? null : p.survivors.get((int) first[1]);
    long firstCommitEpochMs =
        first == null ? -1 : p.killEpochMs + Math.round((first[0] - p.killNanos) / 1e6);
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("killed", p.primary.name);
    extra.put("new_primary", winner == null ? null : winner.name);
    extra.put("kill_delay_ms", p.delayMs);
    extra.put("kill_epoch_ms", p.killEpochMs);
    if (winner != null && p.cluster instanceof SynodCluster) {
      Procs.sleep(300); // let the nodes flush their log lines
      extra.putAll(
          Timeline.synodFailover(p.cluster, p.primary, winner, p.killEpochMs, firstCommitEpochMs));
    } else if (winner != null) {
      Procs.sleep(300);
      extra.putAll(Timeline.patroniFailover(p.cluster, winner, p.killEpochMs, firstCommitEpochMs));
    }
    // Untimed for the trial, measured for itself: the killed node is started again (manager
    // process, JVM included) and rejoins, pg_rewind included, until its WAL receiver streams.
    long restart = System.nanoTime();
    p.cluster.start(p.primary);
    extra.put("rejoin_ms", awaitStreaming(p.cluster, p.primary, restart));
    return new TrialResult(trial, ms, extra);
  }

  /** Milliseconds from {@code sinceNanos} until the node streams (null: not within 60 s). */
  private static Long awaitStreaming(HaCluster c, Node n, long sinceNanos) {
    long deadline = sinceNanos + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (c.streaming(n)) {
        return (System.nanoTime() - sinceNanos) / 1_000_000L;
      }
      Procs.sleep(25);
    }
    return null;
  }

  public static TrialResult failoverTrial(HaCluster c, Random rnd, int trial) throws Exception {
    PreparedFailover p = prepareFailover(c, rnd);
    double ms;
    try {
      ms = crashAndAwaitWrite(p);
    } catch (Exception e) {
      p.probe.close();
      p.cluster.start(p.primary);
      throw e;
    }
    return finishFailover(p, trial, ms);
  }

  // ---------------------------------------------------------------- switchover

  public static final class PreparedSwitchover {
    final HaCluster cluster;
    public final Node primary;
    public final Node candidate;
    final WriteProbe probe;
    SynodStoreClient storeClient;
    long startNanos;
    long startEpochMs;
    String via;
    CompletableFuture<Object[]> response;
    long responseNanos;

    PreparedSwitchover(HaCluster cluster, Node primary, Node candidate, WriteProbe probe) {
      this.cluster = cluster;
      this.primary = primary;
      this.candidate = candidate;
      this.probe = probe;
    }
  }

  public static PreparedSwitchover prepareSwitchover(HaCluster c, Random rnd) throws Exception {
    Node primary = c.awaitHealthy(HEALTHY);
    c.createProbeTable(primary);
    List<Node> replicas = new ArrayList<>(c.nodes());
    replicas.remove(primary);
    Node candidate = replicas.get(rnd.nextInt(replicas.size()));
    WriteProbe probe = new WriteProbe(c, c.nodes(), PROBE_INTERVAL_MS).start();
    if (!probe.awaitAnyCommit(primary.name, 10_000)) {
      probe.close();
      throw new IllegalStateException("the client could not write to the primary " + primary.name);
    }
    PreparedSwitchover p = new PreparedSwitchover(c, primary, candidate, probe);
    if (c instanceof SynodCluster s && !synodHasSwitchoverEndpoint(s)) {
      // connect the store client now (a write outside the cluster's keys), not inside the timed
      // part
      p.storeClient = new SynodStoreClient(s.raftTransport());
      p.storeClient.put(s.raftPeers(), SynodCluster.SCOPE, "/bench-warmup", "x", 10_000);
    }
    Thread.sleep(200 + (long) (rnd.nextDouble() * c.renewalPeriodMs()));
    Timeline.mark(c);
    return p;
  }

  /**
   * The timed part: request the switchover, wait for the first commit on the candidate. Returns ms.
   */
  public static double switchoverAndAwaitWrite(PreparedSwitchover p) throws Exception {
    p.startEpochMs = System.currentTimeMillis();
    p.startNanos = System.nanoTime();
    p.response = request(p);
    long[] first = p.probe.awaitFirstCommitAfter(List.of(p.candidate.name), p.startNanos, 120_000);
    if (first == null) {
      Object[] r = p.response.getNow(new Object[] {"pending", ""});
      throw new IllegalStateException(
          "the candidate "
              + p.candidate.name
              + " did not accept a write within 120 s of the "
              + "switchover request ("
              + p.via
              + " answered "
              + r[0]
              + " "
              + r[1]
              + "; logs under "
              + p.cluster.dir()
              + ")");
    }
    return (first[0] - p.startNanos) / 1e6;
  }

  private static CompletableFuture<Object[]> request(PreparedSwitchover p) throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("leader", p.primary.name);
    body.put("candidate", p.candidate.name);
    if (p.cluster instanceof SynodCluster s && p.storeClient != null) {
      // POST /switchover is not in this build's REST API yet: write the failover key as it would.
      p.via = "failover key written through Raft (no POST /switchover in this build)";
      Map<String, Object> key = new LinkedHashMap<>();
      key.put("leader", p.primary.name);
      key.put("member", p.candidate.name);
      p.storeClient.put(
          s.raftPeers(),
          SynodCluster.SCOPE,
          "/service/" + SynodCluster.SCOPE + "/failover",
          new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(key),
          5000);
      p.responseNanos = System.nanoTime() - p.startNanos;
      return CompletableFuture.completedFuture(new Object[] {200, "failover key written"});
    }
    p.via = "POST /switchover";
    return CompletableFuture.supplyAsync(
        () -> {
          Object[] r = p.cluster.post(p.primary, "/switchover", body, Duration.ofSeconds(90));
          p.responseNanos = System.nanoTime() - p.startNanos;
          return r;
        });
  }

  private static volatile Boolean synodEndpoint;

  /**
   * Whether the Synod nodes serve POST /switchover (checked once, with a request that must be
   * refused).
   */
  static boolean synodHasSwitchoverEndpoint(SynodCluster s) {
    if (synodEndpoint == null) {
      Node any = s.nodes().get(0);
      // A switchover to a member that does not exist: 412/400 when the endpoint exists, 501/404/405
      // when not.
      Object[] r =
          s.post(
              any,
              "/switchover",
              Map.of("leader", "no-such-member", "candidate", "no-such-member"),
              Duration.ofSeconds(10));
      int code = (Integer) r[0];
      synodEndpoint = code != 501 && code != 404 && code != 405 && code != -1;
    }
    return synodEndpoint;
  }

  public static TrialResult finishSwitchover(PreparedSwitchover p, int trial, double ms)
      throws Exception {
    Object[] resp;
    try {
      resp = p.response.get(120, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      resp = new Object[] {-1, e.toString()};
    }
    Thread.sleep(300); // a few more commits on the new primary
    p.probe.close();
    if (p.storeClient != null) {
      p.storeClient.close();
    }
    long[] first = p.probe.firstCommitAfter(List.of(p.candidate.name), p.startNanos);
    long lastOld = first == null ? -1 : p.probe.lastCommitBefore(p.primary.name, first[0]);
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("old_primary", p.primary.name);
    extra.put("candidate", p.candidate.name);
    extra.put("via", p.via);
    extra.put("response_status", resp[0]);
    extra.put("response_ms", Math.round(p.responseNanos / 1e6));
    extra.put(
        "write_gap_ms",
        first == null || lastOld < 0 ? null : Math.round((first[0] - lastOld) / 1e5) / 10.0);
    extra.put(
        "last_old_commit_after_request_ms",
        lastOld < 0 ? null : Math.round((lastOld - p.startNanos) / 1e5) / 10.0);
    if (first != null && p.cluster instanceof SynodCluster) {
      extra.putAll(
          Timeline.synodSwitchover(
              p.cluster,
              p.primary,
              p.candidate,
              p.startEpochMs,
              p.startEpochMs + Math.round((first[0] - p.startNanos) / 1e6)));
    }
    return new TrialResult(trial, ms, extra);
  }

  public static TrialResult switchoverTrial(HaCluster c, Random rnd, int trial) throws Exception {
    PreparedSwitchover p = prepareSwitchover(c, rnd);
    double ms;
    try {
      ms = switchoverAndAwaitWrite(p);
    } catch (Exception e) {
      p.probe.close();
      if (p.storeClient != null) {
        p.storeClient.close();
      }
      throw e;
    }
    return finishSwitchover(p, trial, ms);
  }
}
