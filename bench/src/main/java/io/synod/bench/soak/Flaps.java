package io.synod.bench.soak;

import io.synod.bench.BenchOptions;
import io.synod.bench.checker.PgbenchLoad;
import io.synod.bench.checker.WriteChecker;
import io.synod.bench.cluster.HaCluster.Node;
import io.synod.bench.cluster.SynodCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bin/synod bench flaps}: the price of a short {@code ttl}. A 3-node cluster runs under a
 * pgbench write load while CPU hogs compete for the same cores; it counts unplanned leader changes
 * (false failovers) and lease renewals that landed with under a quarter of the lease left (near
 * misses), so a default can be chosen from figures. It measures; it asserts nothing.
 */
public final class Flaps {
  private final int minutes;
  private final int hogs;
  private final int clients;
  private final Map<String, String> dcs;
  private final PrintStream out;

  Flaps(int minutes, int hogs, int clients, Map<String, String> dcs, PrintStream out) {
    this.minutes = minutes;
    this.hogs = hogs;
    this.clients = clients;
    this.dcs = dcs;
    this.out = out;
  }

  public static void usage(PrintStream p) {
    p.println(
        """
          flaps [--minutes N] [--hogs K] [--pgbench-clients C] [--ttl S] [--loop-wait S] [--retry-timeout S]
                                  a 3-node cluster under pgbench (default 2 clients) plus K CPU hogs (default: one per
                                  core; stress-ng when installed, else busy shells) for N minutes (default 10):
                                  unplanned leader changes and late lease renewals (under 1/4 of the lease left)""");
  }

  public static int run(String[] args, Path outDir, PrintStream o) throws Exception {
    int minutes = 10;
    int hogs = Runtime.getRuntime().availableProcessors();
    int clients = 2;
    Map<String, String> dcs = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : BenchOptions.pairs(args).entrySet()) {
      String a = e.getKey();
      String v = e.getValue();
      switch (a) {
        case "--minutes" -> minutes = BenchOptions.count(a, v, 1);
        case "--hogs" -> hogs = BenchOptions.count(a, v, 0);
        case "--pgbench-clients" -> clients = BenchOptions.count(a, v, 1);
        case "--ttl" -> dcs.put("ttl", seconds(a, v));
        case "--loop-wait" -> dcs.put("loop_wait", seconds(a, v));
        case "--retry-timeout" -> dcs.put("retry_timeout", seconds(a, v));
        case "--out" -> outDir = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    return new Flaps(minutes, hogs, clients, dcs, o).run(outDir);
  }

  /** A positive number of seconds, or an error naming the option. */
  static String seconds(String option, String v) {
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " wants seconds (e.g. 1.5), got '" + v + "'");
    }
    if (!(d > 0)) {
      throw new IllegalArgumentException(option + " must be above 0, got " + v);
    }
    return v;
  }

  /** The bootstrap.dcs lines for the chosen timings (4-space indent, as SynodCluster wants). */
  static String dcsYaml(Map<String, String> dcs) {
    StringBuilder b = new StringBuilder();
    dcs.forEach((k, v) -> b.append("    ").append(k).append(": ").append(v).append('\n'));
    return b.toString();
  }

  int run(Path outDir) throws Exception {
    Soak.Phase phase;
    Map<String, Object> settings;
    Map<String, long[]> renewals = new LinkedHashMap<>();
    List<Process> hogProcs = new ArrayList<>();
    String hogKind = "none";
    try (SynodCluster c = new SynodCluster(dcsYaml(dcs))) {
      out.println("forming a 3-node Synod cluster " + dcs + " in " + c.dir());
      c.startAll();
      c.awaitHealthy(Duration.ofMinutes(5));
      settings = c.settings();
      WriteChecker locator = WriteChecker.forCluster(c);
      try (PgbenchLoad l =
          new PgbenchLoad(locator, clients, c.dir().resolve("pgbench.log"), "postgres").start()) {
        hogKind = startHogs(hogProcs);
        out.printf(
            Locale.ROOT,
            "pgbench -c %d and %d CPU hog(s) (%s) for %d min...%n",
            clients,
            hogs,
            hogKind,
            minutes);
        phase = new Soak(0, minutes, 30, clients, out).phase(c, "flaps", minutes);
      } finally {
        stopHogs(hogProcs);
      }
      for (Node n : c.nodes()) {
        String m = Soak.metrics(n);
        renewals.put(
            n.name,
            new long[] {
              NodeSample.metric(m, "synod_lease_renewals_total"),
              NodeSample.metric(m, "synod_lease_renewals_late_total"),
              NodeSample.metric(m, "synod_raft_term")
            });
      }
    }
    String text = report(phase, renewals, hogs, hogKind, clients, dcs);
    out.println(text);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("settings", settings);
    doc.put("hogs", Map.of("count", hogs, "kind", hogKind));
    doc.put("phase", phase);
    doc.put("renewals", renewals);
    doc.put("report", text);
    out.println(
        "results: " + BenchOptions.writeResult(outDir, "flaps", "bin/synod bench flaps", doc));
    return 0;
  }

  /** CPU hogs on every core: stress-ng when installed, else busy shell loops. */
  private String startHogs(List<Process> procs) throws IOException {
    if (hogs == 0) {
      return "none";
    }
    if (Files.isExecutable(Path.of("/usr/bin/stress-ng"))) {
      procs.add(
          new ProcessBuilder("/usr/bin/stress-ng", "--cpu", Integer.toString(hogs), "--quiet")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start());
      return "stress-ng --cpu " + hogs;
    }
    for (int i = 0; i < hogs; i++) {
      procs.add(
          new ProcessBuilder("/bin/sh", "-c", "while :; do :; done")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start());
    }
    return "busy shell loops";
  }

  private static void stopHogs(List<Process> procs) {
    for (Process p : procs) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    for (Process p : procs) {
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static String report(
      Soak.Phase p,
      Map<String, long[]> renewals,
      int hogs,
      String hogKind,
      int clients,
      Map<String, String> dcs) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "%nflaps: %s, pgbench -c %d, %d CPU hog(s) (%s), %.0f s: %d unplanned leader change(s),"
                + " %d poll(s) without a leader, leaders %s%n%n",
            dcs.isEmpty() ? "default timings" : dcs.toString(),
            clients,
            hogs,
            hogKind,
            p.seconds(),
            p.leaderChanges(),
            p.leaderlessPolls(),
            p.leaders()));
    b.append(
        "| node | lease renewals | late (< 1/4 of the lease left) | Raft term during the run"
            + " (first sample → last) |\n");
    b.append("|---|---|---|---|\n");
    renewals.forEach(
        (n, r) -> {
          List<NodeSample> s = p.samples().getOrDefault(n, List.of());
          long first = s.isEmpty() ? -1 : s.get(0).raftTerm();
          long last = s.isEmpty() ? r[2] : s.get(s.size() - 1).raftTerm();
          b.append(
              String.format(
                  Locale.ROOT, "| %s | %d | %d | %d → %d |%n", n, r[0], r[1], first, last));
        });
    if (!p.leaderlessDetail().isEmpty()) {
      b.append(
          String.format(
              Locale.ROOT,
              "%npolls without a running leader (the first %d kept; + seconds into the run):%n",
              Soak.Phase.DETAIL_KEPT));
      p.leaderlessDetail().forEach(d -> b.append("- ").append(d).append('\n'));
    }
    return b.toString();
  }
}
