package io.synod.bench.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.synod.bench.chaos.Overlap.Ack;
import io.synod.bench.cluster.HaCluster.Node;
import io.synod.bench.cluster.Procs;
import io.synod.bench.cluster.SynodCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Runs the scenarios against one cluster in namespaces. Each round starts from a healthy cluster,
 * injects its fault at {@code t0}, removes it, waits until the cluster converged (one primary, both
 * others streaming from it), then reads the writes of the round back from the primary.
 */
final class Scenarios {
  private static final Duration HEALTHY = Duration.ofSeconds(150);

  private final SynodCluster cluster;
  private final Namespaces ns;
  private final Prober prober;
  private final ChaosOptions opts;
  private final Random random;
  private final long ttlMs;

  /** Process groups stopped right now, resumed in {@link #resumeAll} whatever happens. */
  private final Set<Long> stopped = new HashSet<>();

  Scenarios(SynodCluster cluster, Namespaces ns, Prober prober, ChaosOptions opts, long ttlMs) {
    this.cluster = cluster;
    this.ns = ns;
    this.prober = prober;
    this.opts = opts;
    this.random = new Random(opts.seed());
    this.ttlMs = ttlMs;
  }

  /** Isolation lasts well past the lease: 2 x ttl plus time for the failover to show. */
  long isolateMs() {
    return Math.max(2 * ttlMs + 6_000, 10_000);
  }

  List<Round> run(Scenario s, int round) throws Exception {
    return switch (s) {
      case ISOLATE_PRIMARY -> List.of(isolatePrimary(round, true));
      case ASYMMETRIC -> List.of(isolatePrimary(round, false));
      case ISOLATE_RAFT_LEADER -> List.of(isolateRaftLeader(round));
      case FLAPPING -> List.of(flapping(round));
      case STOP_ENGINE -> List.of(stop(round, false));
      case STOP_GROUP -> List.of(stop(round, true));
      case KILL_CYCLES -> killCycles(round);
    };
  }

  /**
   * A healthy cluster (one primary, both others streaming) and, in synchronous mode, a standby
   * whose {@code GET /sync} answers 200: the sync key lets it take over. Right after a change of
   * synchronous standby (after bootstrap, after each round) the key forbids failover for about a
   * loop, by design; a fault injected then leaves the cluster without a primary until the old one
   * is back, which says nothing about the fault.
   */
  private Node ready() {
    Node p = cluster.awaitHealthy(HEALTHY);
    if (!opts.sync()) {
      return p;
    }
    long deadline = System.nanoTime() + HEALTHY.toNanos();
    while (System.nanoTime() < deadline) {
      for (Node n : cluster.nodes()) {
        if (n != p && cluster.status(n, "/sync") == 200) {
          return cluster.awaitHealthy(HEALTHY);
        }
      }
      Procs.sleep(100);
    }
    throw new IllegalStateException(
        "no synchronous standby answered GET /sync with 200 within " + HEALTHY.toSeconds() + " s");
  }

  private int index(Node n) {
    return cluster.nodes().indexOf(n) + 1;
  }

  private Round isolatePrimary(int round, boolean inbound) throws Exception {
    Node p = ready();
    Measure m = new Measure(inbound ? Scenario.ISOLATE_PRIMARY : Scenario.ASYMMETRIC, round, p);
    ns.isolate(index(p), inbound);
    m.inPlace();
    m.fault =
        (inbound ? "isolated " : "outbound to peers dropped on ")
            + p.name
            + " for "
            + isolateMs()
            + " ms";
    try {
      Procs.sleep(isolateMs());
    } finally {
      ns.heal(index(p));
    }
    return m.finish("");
  }

  private Round isolateRaftLeader(int round) throws Exception {
    String note = "";
    for (int attempt = 0; attempt < 4; attempt++) {
      Node p = ready();
      Node leader = raftLeader();
      if (leader != null && leader != p) {
        Measure m = new Measure(Scenario.ISOLATE_RAFT_LEADER, round, p);
        ns.isolate(index(leader), true);
        m.inPlace();
        m.fault = "isolated Raft leader " + leader.name + " for " + isolateMs() + " ms";
        try {
          Procs.sleep(isolateMs());
        } finally {
          ns.heal(index(leader));
        }
        return m.finish(note);
      }
      // the primary leads Raft too: move the primary (a switchover) and look again
      Object[] r = cluster.post(p, "/switchover", Map.of("leader", p.name), Duration.ofSeconds(60));
      note = "switchover first (Raft leader was the primary): " + r[0];
      Procs.sleep(2_000);
    }
    Node p = ready();
    return new Measure(Scenario.ISOLATE_RAFT_LEADER, round, p)
        .finish("skipped: the Raft leader stayed on the primary after 4 switchovers");
  }

  private Round flapping(int round) throws Exception {
    Node p = ready();
    Measure m = new Measure(Scenario.FLAPPING, round, p);
    long end = System.nanoTime() + opts.flapMs() * 1_000_000L;
    int bursts = 0;
    String how = "";
    try {
      while (System.nanoTime() < end) {
        how = ns.degrade(index(p), 20 + random.nextInt(31), 50 + random.nextInt(200));
        if (bursts++ == 0) {
          m.inPlace();
        }
        Procs.sleep(1_000 + random.nextInt(3_000));
        ns.heal(index(p));
        Procs.sleep(1_000 + random.nextInt(3_000));
      }
    } finally {
      ns.heal(index(p));
    }
    m.fault = bursts + " bursts in " + opts.flapMs() / 1000 + " s on " + p.name + " (" + how + ")";
    return m.finish("");
  }

  private Round stop(int round, boolean group) throws Exception {
    Node p = ready();
    long pid = enginePid(p);
    long target = pid;
    if (group) {
      long pgid = pgid(pid);
      // never signal our own group: the engine runs under setsid, its group is its own pid
      if (pgid != pid || pgid == pgid(ProcessHandle.current().pid())) {
        throw new IllegalStateException(p.name + " engine " + pid + " is in process group " + pgid);
      }
      target = -pgid;
    }
    Measure m = new Measure(group ? Scenario.STOP_GROUP : Scenario.STOP_ENGINE, round, p);
    signal("STOP", target);
    m.inPlace();
    m.fault =
        "SIGSTOP "
            + (group ? "process group " + pid : "engine pid " + pid)
            + " of "
            + p.name
            + " for "
            + 2 * ttlMs
            + " ms";
    try {
      Procs.sleep(2 * ttlMs);
    } finally {
      resume(target);
    }
    return m.finish("");
  }

  private List<Round> killCycles(int round) throws Exception {
    List<Round> out = new ArrayList<>();
    String[] kinds = {"engine", "postmaster", "both"};
    for (int c = 1; c <= opts.killCycles(); c++) {
      Node p = ready();
      Procs.sleep(random.nextInt(2_000)); // a random moment of the renewal and loop cycles
      String kind = kinds[(c - 1) % kinds.length]; // each kind in turn; the moment is random
      Measure m = new Measure(Scenario.KILL_CYCLES, (round - 1) * opts.killCycles() + c, p);
      switch (kind) {
        case "engine" -> Procs.killAll(List.of(enginePid(p)));
        case "postmaster" ->
            Procs.postmasterPid(p.dataDir()).ifPresent(pm -> Procs.killAll(List.of(pm)));
        default -> cluster.crash(p);
      }
      m.t0 = System.nanoTime(); // no primary to check: it was just killed
      m.fault = "kill -9 " + kind + " of " + p.name;
      if (!kind.equals("postmaster")) {
        Procs.sleep(1_000); // as a service manager would restart it
        cluster.start(p);
      }
      out.add(m.finish(""));
    }
    return out;
  }

  /** The engine JVM of a node (ip netns exec and setsid exec it in place; checked, not assumed). */
  private long enginePid(Node p) {
    if (!p.alive()) {
      return -1;
    }
    long pid = cluster.nodePids(p).get(0);
    List<Long> candidates = new ArrayList<>(List.of(pid));
    candidates.addAll(Procs.descendants(pid));
    for (long c : candidates) {
      boolean java =
          ProcessHandle.of(c)
              .flatMap(h -> h.info().command())
              .map(cmd -> cmd.endsWith("/java"))
              .orElse(false);
      if (java) {
        return c;
      }
    }
    return pid;
  }

  static long pgid(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[2]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private void signal(String sig, long target) {
    if (target == -1 || target == 0) {
      throw new IllegalStateException("no process to signal");
    }
    synchronized (stopped) {
      if (sig.equals("STOP")) {
        stopped.add(target);
      }
    }
    Procs.run(List.of("kill", "-" + sig, "--", String.valueOf(target)), 10);
  }

  private void resume(long target) {
    Procs.run(List.of("kill", "-CONT", "--", String.valueOf(target)), 10);
    synchronized (stopped) {
      stopped.remove(target);
    }
  }

  /** SIGCONT of everything still stopped (failure, Ctrl-C). */
  void resumeAll() {
    synchronized (stopped) {
      for (long t : new ArrayList<>(stopped)) {
        Procs.run(List.of("kill", "-CONT", "--", String.valueOf(t)), 10);
      }
      stopped.clear();
    }
  }

  /** The node the Raft group names leader (majority of answers), or null. */
  Node raftLeader() {
    for (Node n : cluster.nodes()) {
      JsonNode r = cluster.rest(n, "/raft");
      if (r != null && r.hasNonNull("leader")) {
        String addr = r.path("leader").asText();
        for (Node m : cluster.nodes()) {
          if (addr.startsWith(m.host + ":")) {
            return m;
          }
        }
      }
    }
    return null;
  }

  long raftTerm() {
    long t = -1;
    for (Node n : cluster.nodes()) {
      JsonNode r = cluster.rest(n, "/raft");
      if (r != null) {
        t = Math.max(t, r.path("term").asLong(-1));
      }
    }
    return t;
  }

  /** What is known before a fault, and the measuring after it. */
  private final class Measure {
    final Scenario scenario;
    final int round;
    final Node old;
    final String raftBefore;
    final long termBefore;

    /** When the fault took effect: set again once the nft rule or signal is in place. */
    long t0;

    final int uncertainBefore;
    String fault = "";
    String moved = "";

    Measure(Scenario scenario, int round, Node old) {
      this.scenario = scenario;
      this.round = round;
      this.old = old;
      Node l = raftLeader();
      this.raftBefore = l == null ? "?" : l.name;
      this.termBefore = raftTerm();
      this.uncertainBefore = prober.uncertainCount();
      this.t0 = System.nanoTime();
    }

    /**
     * The fault is in place now: on a loaded host, starting {@code ip netns exec ... nft} or {@code
     * kill} can take hundreds of ms, which would otherwise count as the old primary's time.
     */
    void inPlace() {
      t0 = System.nanoTime();
      // the cluster can move between the health check and the fault (a loaded host): say so
      Node now = cluster.sqlPrimary();
      if (now != old) {
        moved =
            "the primary was "
                + (now == null ? "not single" : now.name)
                + " when the fault took"
                + " effect, not "
                + old.name
                + " (measured from "
                + old.name
                + ")";
      }
    }

    Round finish(String note) {
      long healed = System.nanoTime();
      note = moved.isEmpty() ? note : join(note, moved);
      Double convergeMs = null;
      Node primary = null;
      try {
        primary = cluster.awaitHealthy(HEALTHY);
        convergeMs = (System.nanoTime() - healed) / 1e6;
        if (primary != null && primary != old && !cluster.streaming(old)) {
          note = join(note, old.name + " not streaming after convergence");
        }
      } catch (IllegalStateException e) {
        note = join(note, "did not converge: " + e.getMessage());
      }
      Procs.sleep(1_000); // the prober's writes on the converged primary close the round
      long end = System.nanoTime();
      Node l = raftLeader();
      long termAfter = raftTerm();
      // from 2 s before the fault: the old primary's timeline is known to the overlap check
      List<Ack> acks = prober.acks(t0 - 2_000_000_000L, end);
      int oldTl = -1;
      Long oldLast = null;
      Ack newFirst = null;
      Set<Integer> timelines = new HashSet<>();
      long lastAny = t0;
      double gap = 0;
      int acked = 0;
      for (Ack a : acks) {
        if (a.nanos() < t0) {
          if (a.node().equals(old.name)) {
            oldTl = a.timeline();
          }
          continue;
        }
        acked++;
        gap = Math.max(gap, (a.nanos() - lastAny) / 1e6);
        lastAny = a.nanos();
        if (a.node().equals(old.name) && a.timeline() == oldTl) {
          oldLast = a.nanos();
        }
        // a new writer: another node, or the old one promoted anew (a later timeline)
        if (newFirst == null && (!a.node().equals(old.name) || a.timeline() > oldTl)) {
          newFirst = a;
        }
        timelines.add(a.timeline());
      }
      final int tl = oldTl;
      int failovers = (int) timelines.stream().filter(t -> t > tl).count();
      int lost = -1;
      if (primary != null) {
        try {
          Set<Long> present = prober.present(primary);
          lost = 0;
          for (Ack a : acks) {
            if (a.nanos() >= t0 && !present.contains(a.id())) {
              lost++;
            }
          }
        } catch (Exception e) {
          note = join(note, "could not read the writes back: " + e.getMessage());
        }
      }
      return new Round(
          scenario.id,
          round,
          fault,
          old.name,
          newFirst == null ? null : newFirst.node(),
          oldLast == null
              ? Double.valueOf(0)
              : oldLast > end - 1_500_000_000L ? null : (oldLast - t0) / 1e6,
          newFirst == null ? null : (newFirst.nanos() - t0) / 1e6,
          convergeMs,
          gap,
          failovers,
          raftBefore,
          l == null ? "?" : l.name,
          termBefore < 0 || termAfter < 0 ? -1 : termAfter - termBefore,
          Overlap.windows(acks),
          acked,
          lost,
          prober.uncertainCount() - uncertainBefore,
          writers(acks, t0),
          note);
    }
  }

  static List<Round.Writer> writers(List<Ack> acks, long t0) {
    Map<String, Round.Writer> w = new java.util.LinkedHashMap<>();
    for (Ack a : acks) {
      double at = (a.nanos() - t0) / 1e6;
      w.merge(
          a.node() + "/" + a.timeline(),
          new Round.Writer(a.node(), a.timeline(), at, at, 1),
          (x, y) ->
              new Round.Writer(
                  x.node(),
                  x.timeline(),
                  Math.min(x.firstMs(), y.firstMs()),
                  Math.max(x.lastMs(), y.lastMs()),
                  x.writes() + 1));
    }
    return new ArrayList<>(w.values());
  }

  private static String join(String a, String b) {
    return a.isEmpty() ? b : a + "; " + b;
  }
}
