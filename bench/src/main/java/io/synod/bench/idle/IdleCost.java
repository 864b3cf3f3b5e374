package io.synod.bench.idle;

import io.synod.bench.BenchOptions;
import io.synod.bench.cluster.HaCluster.Node;
import io.synod.bench.cluster.SynodCluster;
import io.synod.bench.soak.NodeSample;
import io.synod.bench.soak.Soak;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code bin/synod bench idle}: what a node costs while nothing happens. A cluster of 3 (or 5)
 * nodes forms, settles, then is left alone for a while; for each engine JVM it reports CPU (% of
 * one core), RSS, threads, heap in use, bytes written to disk, and Raft log entries and bytes added
 * (extrapolated per hour), plus the threads that spent the CPU. It measures; it asserts nothing.
 */
public final class IdleCost {
  private static final long CLK_TCK = 100; // Linux USER_HZ

  /** One engine's figures over the window. */
  record NodeCost(
      String node,
      double cpuPercent,
      double rssMb,
      int threads,
      double heapUsedMb,
      double diskWriteKbPerSec,
      long raftEntriesPerHour,
      long raftBytesPerHour,
      long raftDirBytes,
      Map<String, Double> cpuByThread,
      Map<String, Integer> threadsByName) {}

  private final int seconds;
  private final int nodes;
  private final int warmupSeconds;
  private final PrintStream out;

  IdleCost(int seconds, int nodes, int warmupSeconds, PrintStream out) {
    this.seconds = seconds;
    this.nodes = nodes;
    this.warmupSeconds = warmupSeconds;
    this.out = out;
  }

  public static void usage(PrintStream p) {
    p.println(
        """
          idle [--seconds N] [--nodes 3|5] [--warmup-seconds W] [--out DIR]
                                  a cluster (default 3 nodes) settles for W s (default 30), then is left alone
                                  for N s (default 120): per engine CPU, RSS, threads, heap, disk writes, Raft
                                  log growth per hour, and the threads that spent the CPU""");
  }

  public static int run(String[] args, Path outDir, PrintStream o) throws Exception {
    int seconds = 120;
    int nodes = 3;
    int warmup = 30;
    for (Map.Entry<String, String> e : BenchOptions.pairs(args).entrySet()) {
      String a = e.getKey();
      String v = e.getValue();
      switch (a) {
        case "--seconds" -> seconds = BenchOptions.count(a, v, 10);
        case "--nodes" -> nodes = BenchOptions.count(a, v, 1);
        case "--warmup-seconds" -> warmup = BenchOptions.count(a, v, 0);
        case "--out" -> outDir = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (nodes > 9) {
      throw new IllegalArgumentException("--nodes: at most 9 on one machine, got " + nodes);
    }
    return new IdleCost(seconds, nodes, warmup, o).run(outDir);
  }

  int run(Path outDir) throws Exception {
    List<NodeCost> costs = new ArrayList<>();
    Map<String, Object> settings;
    try (SynodCluster c = new SynodCluster("", nodes)) {
      out.printf(Locale.ROOT, "forming a %d-node Synod cluster (defaults) in %s%n", nodes, c.dir());
      c.startAll();
      c.awaitHealthy(Duration.ofMinutes(5));
      settings = c.settings();
      out.printf(Locale.ROOT, "settling for %d s, then idle for %d s...%n", warmupSeconds, seconds);
      Thread.sleep(warmupSeconds * 1000L);
      Map<Node, Long> pids = new LinkedHashMap<>();
      Map<Node, ProcessLook> first = new LinkedHashMap<>();
      Map<Node, Long> firstIndex = new LinkedHashMap<>();
      Map<Node, Long> firstDu = new LinkedHashMap<>();
      for (Node n : c.nodes()) {
        long pid = c.nodePids(n).get(0);
        pids.put(n, pid);
        first.put(n, ProcessLook.of(pid));
        firstIndex.put(n, NodeSample.metric(Soak.metrics(n), "synod_raft_last_log_index"));
        firstDu.put(n, ProcessLook.du(raftDir(c, n)));
      }
      Thread.sleep(seconds * 1000L);
      for (Node n : c.nodes()) {
        long pid = pids.get(n);
        ProcessLook a = first.get(n);
        ProcessLook b = ProcessLook.of(pid);
        long index = NodeSample.metric(Soak.metrics(n), "synod_raft_last_log_index");
        long du = ProcessLook.du(raftDir(c, n));
        costs.add(cost(n.name, a, b, firstIndex.get(n), index, firstDu.get(n), du, pid));
      }
    }
    String text = report(nodes, seconds, costs);
    out.println(text);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("settings", settings);
    doc.put("nodes", costs);
    doc.put("report", text);
    String command = "bin/synod bench idle --seconds " + seconds + " --nodes " + nodes;
    out.println(
        "results: " + BenchOptions.writeResult(outDir, "idle-" + nodes + "n", command, doc));
    return 0;
  }

  private static Path raftDir(SynodCluster c, Node n) {
    return c.dir().resolve(n.name).resolve("raft");
  }

  static NodeCost cost(
      String node,
      ProcessLook a,
      ProcessLook b,
      long indexA,
      long indexB,
      long duA,
      long duB,
      long pid) {
    double secs = (b.nanos() - a.nanos()) / 1e9;
    double perHour = 3600 / secs;
    Map<String, Double> byThread = new TreeMap<>();
    Map<String, Integer> count = new TreeMap<>();
    b.threadTicks()
        .forEach(
            (tid, t) -> {
              String name = group(b.threadNames().get(tid));
              count.merge(name, 1, Integer::sum);
              long spent = t - a.threadTicks().getOrDefault(tid, 0L);
              if (spent > 0) {
                byThread.merge(name, 100.0 * spent / CLK_TCK / secs, Double::sum);
              }
            });
    long heap = NodeSample.heapUsedKb(pid);
    return new NodeCost(
        node,
        100.0 * (b.cpuTicks() - a.cpuTicks()) / CLK_TCK / secs,
        b.rssKb() / 1024.0,
        b.threads(),
        heap < 0 ? -1 : heap / 1024.0,
        a.writeBytes() < 0 || b.writeBytes() < 0
            ? -1
            : (b.writeBytes() - a.writeBytes()) / 1024.0 / secs,
        indexA < 0 || indexB < 0 ? -1 : Math.round((indexB - indexA) * perHour),
        duA < 0 || duB < 0 ? -1 : Math.round((duB - duA) * perHour),
        duB,
        top(byThread, Integer.MAX_VALUE), // every thread that ran: the report prints the top 8
        count);
  }

  /** A thread's name without its pool's running numbers, so a pool counts as one line. */
  static String group(String name) {
    return name == null ? "?" : name.replaceAll("[0-9]+", "N");
  }

  private static Map<String, Double> top(Map<String, Double> m, int n) {
    Map<String, Double> t = new LinkedHashMap<>();
    m.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .limit(n)
        .forEach(e -> t.put(e.getKey(), Math.round(e.getValue() * 100) / 100.0));
    return t;
  }

  static String report(int nodes, int seconds, List<NodeCost> costs) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%n%d nodes, idle for %d s%n%n", nodes, seconds));
    b.append(
        "| engine | CPU (% of a core) | RSS MB | threads | heap used MB | disk writes KB/s |"
            + " Raft entries/h | Raft dir growth MB/h | Raft dir MB |\n");
    b.append("|---|---|---|---|---|---|---|---|---|\n");
    for (NodeCost c : costs) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f | %.0f | %d | %.0f | %.1f | %d | %.1f | %.1f |%n",
              c.node(),
              c.cpuPercent(),
              c.rssMb(),
              c.threads(),
              c.heapUsedMb(),
              c.diskWriteKbPerSec(),
              c.raftEntriesPerHour(),
              c.raftBytesPerHour() / 1048576.0,
              c.raftDirBytes() / 1048576.0));
    }
    b.append("\nCPU by thread (% of a core; the kernel's 15-character names):\n");
    for (NodeCost c : costs) {
      b.append("  ").append(c.node()).append(": ");
      List<String> parts = new ArrayList<>();
      c.cpuByThread().entrySet().stream()
          .limit(8)
          .forEach(e -> parts.add(String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue())));
      b.append(String.join(", ", parts)).append('\n');
    }
    return b.toString();
  }
}
