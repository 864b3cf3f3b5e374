package io.synod.bench.soak;

import io.synod.bench.BenchOptions;
import io.synod.bench.checker.PgbenchLoad;
import io.synod.bench.checker.WriteChecker;
import io.synod.bench.cluster.HaCluster;
import io.synod.bench.cluster.HaCluster.Node;
import io.synod.bench.cluster.SynodCluster;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bin/synod bench soak}: a 3-node cluster left alone, then under a pgbench write load, for a
 * given time each; it counts unplanned leader changes (nobody asked for one) and Raft elections,
 * and follows each engine's heap, threads, RSS, CPU and store watch registrations, so that a slow
 * leak or a flapping lease shows as a trend, not as an anecdote. It measures; it asserts nothing.
 */
public final class Soak {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private static final long CLK_TCK = 100; // Linux USER_HZ

  /** One phase's figures. */
  record Phase(
      String name,
      double seconds,
      int leaderChanges,
      int leaderlessPolls,
      List<String> leaders,
      Map<String, List<NodeSample>> samples,
      List<String> leaderlessDetail) {
    /** The first polls without a leader kept with what they saw; the rest only counted. */
    static final int DETAIL_KEPT = 50;
  }

  private final int idleMinutes;
  private final int loadMinutes;
  private final int sampleSeconds;
  private final int clients;
  private final PrintStream out;

  public Soak(int idleMinutes, int loadMinutes, int sampleSeconds, int clients, PrintStream out) {
    if (idleMinutes < 0 || loadMinutes < 0 || idleMinutes + loadMinutes == 0) {
      throw new IllegalArgumentException("--idle-minutes and --load-minutes: at least one above 0");
    }
    if (sampleSeconds < 1 || clients < 1) {
      throw new IllegalArgumentException("--sample-seconds and --pgbench-clients must be >= 1");
    }
    this.idleMinutes = idleMinutes;
    this.loadMinutes = loadMinutes;
    this.sampleSeconds = sampleSeconds;
    this.clients = clients;
    this.out = out;
  }

  public static void usage(PrintStream p) {
    p.println(
        """
          soak [--idle-minutes N] [--load-minutes N] [--out DIR]
                                  a 3-node cluster idle for N minutes (default 30), then N minutes (default 30)
                                  under pgbench (--pgbench-clients C, default 2): unplanned leader changes,
                                  Raft elections, and per engine heap, threads, RSS, CPU and store watches
                                  (sampled every --sample-seconds S, default 10)""");
  }

  public static int run(String[] args, Path outDir, PrintStream o) throws Exception {
    int idle = 30;
    int load = 30;
    int every = 10;
    int clients = 2;
    for (Map.Entry<String, String> e : BenchOptions.pairs(args).entrySet()) {
      String a = e.getKey();
      String v = e.getValue();
      switch (a) {
        case "--idle-minutes" -> idle = BenchOptions.count(a, v, 0);
        case "--load-minutes" -> load = BenchOptions.count(a, v, 0);
        case "--sample-seconds" -> every = BenchOptions.count(a, v, 1);
        case "--pgbench-clients" -> clients = BenchOptions.count(a, v, 1);
        case "--out" -> outDir = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    return new Soak(idle, load, every, clients, o).run(outDir);
  }

  int run(Path outDir) throws Exception {
    List<Phase> phases = new ArrayList<>();
    Map<String, Object> settings;
    try (SynodCluster c = new SynodCluster("")) {
      out.println("forming a 3-node Synod cluster (defaults) in " + c.dir());
      c.startAll();
      c.awaitHealthy(Duration.ofMinutes(5));
      settings = c.settings();
      Thread.sleep(5000); // past the start-up allocations
      if (idleMinutes > 0) {
        phases.add(phase(c, "idle", idleMinutes));
      }
      if (loadMinutes > 0) {
        WriteChecker locator = WriteChecker.forCluster(c); // only finds the primary; writes nothing
        try (PgbenchLoad l =
            new PgbenchLoad(locator, clients, c.dir().resolve("pgbench.log"), "postgres").start()) {
          phases.add(phase(c, "pgbench -c " + clients, loadMinutes));
        }
      }
    }
    String text = report(phases);
    out.println(text);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("settings", settings);
    doc.put("phases", phases);
    doc.put("report", text);
    out.println(
        "results: " + BenchOptions.writeResult(outDir, "soak", "bin/synod bench soak", doc));
    return 0;
  }

  Phase phase(SynodCluster c, String name, int minutes) throws Exception {
    out.printf(Locale.ROOT, "%s for %d min...%n", name, minutes);
    long start = System.nanoTime();
    long end = start + Duration.ofMinutes(minutes).toNanos();
    Map<String, List<NodeSample>> samples = new LinkedHashMap<>();
    c.nodes().forEach(n -> samples.put(n.name, new ArrayList<>()));
    List<String> leaders = new ArrayList<>();
    String last = null;
    int changes = 0;
    int leaderless = 0;
    List<String> detail = new ArrayList<>();
    long nextSample = start;
    while (System.nanoTime() < end) {
      Map<String, String[]> members = c.restMembers();
      String l = HaCluster.leaderIn(members);
      if (l == null) {
        leaderless++;
        // when and what: a poll that got no answer differs from one naming no running leader
        String when =
            String.format(
                Locale.ROOT, "+%.0f s: %s", (System.nanoTime() - start) / 1e9, seen(members));
        out.println("  no running leader at " + when);
        if (detail.size() < Phase.DETAIL_KEPT) {
          detail.add(when);
        }
      } else if (!l.equals(last)) {
        leaders.add(l);
        if (last != null) {
          changes++;
          out.println("  leader changed: " + last + " -> " + l);
        }
        last = l;
      }
      if (System.nanoTime() >= nextSample) {
        for (Node n : c.nodes()) {
          long pid = c.nodePids(n).isEmpty() ? -1 : c.nodePids(n).get(0);
          samples.get(n.name).add(NodeSample.take(pid, metrics(n)));
        }
        nextSample += Duration.ofSeconds(sampleSeconds).toNanos();
      }
      Thread.sleep(1000);
    }
    return new Phase(
        name, (System.nanoTime() - start) / 1e9, changes, leaderless, leaders, samples, detail);
  }

  /** A /cluster answer in one line ("node1 leader/stopped, node2 replica/streaming"). */
  static String seen(Map<String, String[]> members) {
    if (members.isEmpty()) {
      return "no node answered GET /cluster";
    }
    StringBuilder b = new StringBuilder();
    members.forEach(
        (name, rs) ->
            b.append(b.length() == 0 ? "" : ", ")
                .append(name)
                .append(' ')
                .append(rs[0])
                .append('/')
                .append(rs[1]));
    return b.toString();
  }

  public static String metrics(Node n) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://" + n.host + ":" + n.restPort + "/metrics"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : null;
    } catch (java.io.IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** A Markdown table per phase: first → last (min–max) for each engine. */
  static String report(List<Phase> phases) {
    StringBuilder b = new StringBuilder();
    for (Phase p : phases) {
      b.append(
          String.format(
              Locale.ROOT,
              "%n%s, %.0f s: %d unplanned leader change(s), %d poll(s) without a leader, leaders %s%n%n",
              p.name(),
              p.seconds(),
              p.leaderChanges(),
              p.leaderlessPolls(),
              p.leaders()));
      b.append(
          "| engine | CPU (% of a core) | heap used MB first → last (min–max) | threads first → last (max) | RSS MB first → last | store watches first → last | Raft term first → last |\n");
      b.append("|---|---|---|---|---|---|---|\n");
      p.samples()
          .forEach(
              (node, s) -> {
                if (s.isEmpty()) {
                  return;
                }
                NodeSample f = s.get(0);
                NodeSample l = s.get(s.size() - 1);
                double secs = (l.nanos() - f.nanos()) / 1e9;
                double cpu =
                    secs > 0 && f.cpuTicks() >= 0 && l.cpuTicks() >= 0
                        ? 100.0 * (l.cpuTicks() - f.cpuTicks()) / CLK_TCK / secs
                        : Double.NaN;
                long heapMin =
                    s.stream()
                        .mapToLong(NodeSample::heapUsedKb)
                        .filter(v -> v >= 0)
                        .min()
                        .orElse(-1);
                long heapMax = s.stream().mapToLong(NodeSample::heapUsedKb).max().orElse(-1);
                int thrMax = s.stream().mapToInt(NodeSample::threads).max().orElse(-1);
                b.append(
                    String.format(
                        Locale.ROOT,
                        "| %s | %.1f | %s → %s (%s–%s) | %d → %d (%d) | %s → %s | %d → %d | %d → %d |%n",
                        node,
                        cpu,
                        mb(f.heapUsedKb()),
                        mb(l.heapUsedKb()),
                        mb(heapMin),
                        mb(heapMax),
                        f.threads(),
                        l.threads(),
                        thrMax,
                        mb(f.rssKb()),
                        mb(l.rssKb()),
                        f.watches(),
                        l.watches(),
                        f.raftTerm(),
                        l.raftTerm()));
              });
    }
    return b.toString();
  }

  private static String mb(long kb) {
    return kb < 0 ? "?" : String.format(Locale.ROOT, "%.0f", kb / 1024.0);
  }
}
