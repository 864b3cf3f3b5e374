package io.synod.bench;

import io.synod.bench.cluster.HaCluster;
import io.synod.bench.cluster.PatroniCluster;
import io.synod.bench.cluster.Procs;
import io.synod.bench.cluster.SynodCluster;
import io.synod.bench.drill.Drills;
import io.synod.bench.drill.MachineFacts;
import io.synod.bench.drill.Report;
import io.synod.bench.drill.Report.Series;
import io.synod.bench.drill.Stats;
import io.synod.bench.drill.TrialResult;
import io.synod.bench.drill.TrialText;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The drills for humans: {@code bin/synod bench failover|switchover|compare [options]}. Prints
 * every trial and min/median/p95/max, and writes CSV, JSON and an SVG chart (with the machine facts
 * and the settings) under bench/results/.
 */
public final class DrillMain {
  static final List<String> EXTRA_STATS =
      List.of(
          "write_gap_ms",
          "detection_ms",
          "race_ms",
          "lease_and_promote_request_ms",
          "pg_promotion_ms",
          "promote_ms",
          "client_ms",
          "raft_reelection_ms",
          "response_ms",
          "request_to_stepdown_ms",
          "stepdown_to_take_ms",
          "rejoin_ms");
  private static final PrintStream OUT = System.out;

  private int trials = 5;
  private int nodes = 3; // failover/switchover against Synod: cluster size
  private Integer patroniDefaultsTrials; // compare: trials at Patroni's defaults (null: --trials)
  private long seed = 42;
  private Path out;
  private String system = "synod";
  private boolean install = true;
  private final List<String> argv = new ArrayList<>();

  public static void main(String[] args) {
    int rc;
    try {
      rc = new DrillMain().run(args);
    } catch (IllegalArgumentException e) {
      System.err.println("synod bench: " + e.getMessage());
      usage(System.err);
      io.synod.bench.checker.DurabilityMain.usage(System.err);
      io.synod.bench.chaos.ChaosMain.usage(System.err);
      rc = 2;
    } catch (Exception e) {
      System.err.println("synod bench: failed: " + e);
      e.printStackTrace();
      rc = 1;
    }
    System.exit(rc);
  }

  static void usage(PrintStream p) {
    p.println(
        """
        usage: bin/synod bench COMMAND [options]
          failover   --trials N   crash failover drill: kill -9 the primary's node at a random point of the
                                  lease-renewal cycle, time until a write commits on the new primary
          switchover --trials N   planned switchover drill: request -> new primary writable, and the write gap
          compare    --trials N   both drills against Patroni + etcd (defaults, then ttl 10/loop_wait 2/retry_timeout 4)
                                  and against Synod (defaults); one table with ratios. Installs Debian's patroni and
                                  etcd-server with apt-get when missing (root only).
          jmh [JMH options]       the JMH benchmarks (same as java -jar bench/target/benchmarks.jar)
        options:
          --trials N              trials per drill (default 5)
          --patroni-defaults-trials N
                                  compare only: trials at Patroni's defaults (about 40 s each; default --trials)
          --seed S                seed of the random kill delays and candidates (default 42)
          --system S              failover/switchover only: synod (default), patroni, patroni-fast
          --nodes N               failover/switchover against Synod only: cluster size (default 3)
          --out DIR               where results go (default bench/results)
          --no-install            compare: never run apt-get
        """);
  }

  int run(String[] args) throws Exception {
    if (args.length == 0
        || args[0].equals("help")
        || args[0].equals("--help")
        || args[0].equals("-h")) {
      usage(OUT);
      io.synod.bench.checker.DurabilityMain.usage(OUT);
      io.synod.bench.soak.Soak.usage(OUT);
      io.synod.bench.idle.IdleCost.usage(OUT);
      io.synod.bench.soak.Flaps.usage(OUT);
      io.synod.bench.chaos.ChaosMain.usage(OUT);
      return args.length == 0 ? 2 : 0;
    }
    String cmd = args[0];
    if (cmd.equals("soak")) {
      return io.synod.bench.soak.Soak.run(args, out == null ? defaultOut() : out, OUT);
    }
    if (cmd.equals("flaps")) {
      return io.synod.bench.soak.Flaps.run(args, out == null ? defaultOut() : out, OUT);
    }
    if (cmd.equals("idle")) {
      return io.synod.bench.idle.IdleCost.run(args, out == null ? defaultOut() : out, OUT);
    }
    if (cmd.equals("chaos")) {
      return io.synod.bench.chaos.ChaosMain.run(args, out == null ? defaultOut() : out, OUT);
    }
    if (cmd.equals("durability")) {
      return io.synod.bench.checker.DurabilityMain.run(args, out == null ? defaultOut() : out, OUT);
    }
    if (cmd.equals("jmh")) {
      String[] rest = new String[args.length - 1];
      System.arraycopy(args, 1, rest, 0, rest.length);
      org.openjdk.jmh.Main.main(rest);
      return 0;
    }
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      argv.add(a);
      switch (a) {
        case "--trials" -> trials = Integer.parseInt(value(args, ++i));
        case "--nodes" -> nodes = Integer.parseInt(value(args, ++i));
        case "--patroni-defaults-trials" ->
            patroniDefaultsTrials = Integer.parseInt(value(args, ++i));
        case "--seed" -> seed = Long.parseLong(value(args, ++i));
        case "--out" -> out = Path.of(value(args, ++i));
        case "--system" -> system = value(args, ++i);
        case "--no-install" -> install = false;
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
      if (!a.equals("--no-install")) {
        argv.add(args[i]);
      }
    }
    if (trials < 1) {
      throw new IllegalArgumentException("--trials must be at least 1");
    }
    if (patroniDefaultsTrials != null && patroniDefaultsTrials < 1) {
      throw new IllegalArgumentException("--patroni-defaults-trials must be at least 1");
    }
    if (patroniDefaultsTrials != null && !cmd.equals("compare")) {
      throw new IllegalArgumentException("--patroni-defaults-trials goes with compare");
    }
    if (nodes < 3 || nodes > 9) {
      throw new IllegalArgumentException("--nodes must be between 3 and 9");
    }
    if (nodes != 3 && (cmd.equals("compare") || !system.equals("synod"))) {
      throw new IllegalArgumentException("--nodes goes with failover or switchover against synod");
    }
    if (out == null) {
      out = defaultOut();
    }
    return switch (cmd) {
      case "failover", "switchover" -> single(cmd);
      case "compare" -> compare();
      default -> throw new IllegalArgumentException("unknown command " + cmd);
    };
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  static Path defaultOut() {
    String root = System.getProperty("synod.root");
    if (root != null) {
      return Path.of(root, "bench", "results");
    }
    Path here = Path.of("bench");
    return Files.isDirectory(here) ? here.resolve("results") : Path.of("results");
  }

  private String command(String cmd) {
    return "bin/synod bench " + cmd + (argv.isEmpty() ? "" : " " + String.join(" ", argv));
  }

  static String runId(String what) {
    return LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
        + "-"
        + what;
  }

  // ---------------------------------------------------------------- one drill

  private int single(String drill) throws Exception {
    Map<String, Object> machine = MachineFacts.collect();
    printMachine(machine);
    if (!system.equals("synod")) {
      ensurePatroni();
    }
    Random rnd = new Random(seed);
    List<Series> series = new ArrayList<>();
    try (HaCluster c = create(system)) {
      series.add(runDrill(c, drill, rnd, trials));
    }
    machine.put("loadavg_after", MachineFacts.loadAvg());
    String run = runId(drill + (system.equals("synod") ? "" : "-" + system));
    List<Path> files = Report.write(out, run, command(drill), machine, series, EXTRA_STATS);
    OUT.println();
    OUT.println(summaryLine(series.get(0)));
    files.forEach(f -> OUT.println("wrote " + f));
    return series.get(0).stats().n() == trials ? 0 : 1;
  }

  private HaCluster create(String which) throws Exception {
    return switch (which) {
      case "synod" -> new SynodCluster("", nodes);
      case "patroni" -> new PatroniCluster(30, 10, 10);
      case "patroni-fast" -> new PatroniCluster(10, 2, 4);
      default ->
          throw new IllegalArgumentException(
              "unknown --system " + which + " (synod, patroni, patroni-fast)");
    };
  }

  /** Forms the cluster (if not yet), runs {@code n} trials of one drill, prints each. */
  private Series runDrill(HaCluster c, String drill, Random rnd, int n) throws Exception {
    if (c.nodes().stream().noneMatch(HaCluster.Node::alive)) {
      OUT.println();
      int size = c.nodes().size();
      OUT.println(
          "forming a "
              + size
              + "-node "
              + c.kind()
              + " cluster in "
              + c.dir()
              + " (initdb, "
              + (size - 1)
              + " base backups)...");
      long t = System.nanoTime();
      c.startAll();
      c.awaitHealthy(Drills.HEALTHY);
      OUT.printf(Locale.ROOT, "formed in %.1f s: %s%n", (System.nanoTime() - t) / 1e9, c.label());
    }
    OUT.println();
    OUT.println(c.label() + ": " + drill + ", " + n + " trial(s), seed " + seed);
    List<TrialResult> results = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      TrialResult r;
      try {
        r =
            drill.equals("failover")
                ? Drills.failoverTrial(c, rnd, i)
                : Drills.switchoverTrial(c, rnd, i);
      } catch (Exception e) {
        OUT.println("  trial " + i + ": FAILED: " + e.getMessage());
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("error", e.getMessage());
        r = new TrialResult(i, Double.NaN, extra);
      }
      results.add(r);
      if (!Double.isNaN(r.ms())) {
        OUT.println(
            "  trial " + i + ": " + Stats.sec(r.ms()) + "  " + TrialText.describe(drill, r));
      }
    }
    Map<String, Object> settings = new LinkedHashMap<>(c.settings());
    settings.put(
        "random kill delay",
        "uniform in [0, " + c.renewalPeriodMs() + " ms) (lease-renewal cycle)");
    Series s = new Series(drill, c.kind(), c.label(), settings, c.versions(), results);
    OUT.println("  " + s.stats().line());
    if (drill.equals("failover") && s.extraStats("detection_ms") != null) {
      OUT.println("  where the time went (medians): " + breakdown(s));
    }
    if (drill.equals("failover") && s.extraStats("rejoin_ms") != null) {
      OUT.println(
          "  rejoin of the killed node (restart -> streaming, untimed above): "
              + s.extraStats("rejoin_ms").line());
    }
    if (drill.equals("switchover") && s.extraStats("write_gap_ms") != null) {
      OUT.println("  write gap: " + s.extraStats("write_gap_ms").line());
      if (s.extraStats("request_to_stepdown_ms") != null) {
        OUT.println("  where the time went (medians): " + switchoverBreakdown(s));
      }
    }
    return s;
  }

  private static String ms(Object v) {
    return v instanceof Number n ? Math.round(n.doubleValue()) + " ms" : "?";
  }

  static String breakdown(Series s) {
    StringBuilder b = new StringBuilder();
    for (String k :
        List.of(
            "detection_ms",
            "race_ms",
            "lease_and_promote_request_ms",
            "pg_promotion_ms",
            "promote_ms",
            "client_ms",
            "raft_reelection_ms")) {
      Stats e = s.extraStats(k);
      if (e != null) {
        if (b.length() > 0) {
          b.append(", ");
        }
        b.append(k.replace("_ms", "")).append(' ').append(Math.round(e.median())).append(" ms");
        if (k.equals("raft_reelection_ms")) {
          b.append(" (")
              .append(e.n())
              .append(" trial(s) where the Raft leader died too; part of detection)");
        }
      }
    }
    return b.toString();
  }

  static String switchoverBreakdown(Series s) {
    StringBuilder b = new StringBuilder();
    for (String k :
        List.of("request_to_stepdown_ms", "stepdown_to_take_ms", "promote_ms", "client_ms")) {
      Stats e = s.extraStats(k);
      if (e != null) {
        b.append(b.length() > 0 ? ", " : "")
            .append(k.replace("_ms", ""))
            .append(' ')
            .append(Math.round(e.median()))
            .append(" ms");
      }
    }
    return b.toString();
  }

  static String summaryLine(Series s) {
    return s.label() + " " + s.drill() + ": " + s.stats().line();
  }

  private static void printMachine(Map<String, Object> m) {
    OUT.println(
        "machine: "
            + m.get("cores")
            + " cores ("
            + m.get("cpu")
            + "), "
            + m.get("memory_mb")
            + " MB, "
            + m.get("os")
            + ", "
            + m.get("jdk")
            + ", "
            + m.get("postgresql")
            + ", load average "
            + m.get("loadavg"));
  }

  // ---------------------------------------------------------------- compare

  private int compare() throws Exception {
    Map<String, Object> machine = MachineFacts.collect();
    printMachine(machine);
    ensurePatroni();
    List<Series> series = new ArrayList<>();
    Map<String, String> loads = new LinkedHashMap<>();
    boolean complete = true;
    for (String which : List.of("patroni", "patroni-fast", "synod")) {
      Random rnd = new Random(seed);
      String before = MachineFacts.loadAvg();
      int n =
          which.equals("patroni") && patroniDefaultsTrials != null ? patroniDefaultsTrials : trials;
      try (HaCluster c = create(which)) {
        for (String drill : List.of("failover", "switchover")) {
          Series sr = runDrill(c, drill, rnd, n);
          series.add(sr);
          complete &= sr.stats().n() == n;
        }
      }
      loads.put(which, before + " -> " + MachineFacts.loadAvg());
    }
    machine.put("loadavg_per_system", loads);
    machine.put("loadavg_after", MachineFacts.loadAvg());
    String run = runId("compare");
    String table = table(series);
    OUT.println();
    OUT.println(table);
    List<Path> files =
        new ArrayList<>(Report.write(out, run, command("compare"), machine, series, EXTRA_STATS));
    Path md = out.resolve(run + ".md");
    Files.writeString(
        md,
        "# "
            + run
            + "\n\n`"
            + command("compare")
            + "`\n\nMachine: "
            + machine
            + "\n\n```\n"
            + table
            + "```\n");
    files.add(md);
    files.forEach(f -> OUT.println("wrote " + f));
    return complete ? 0 : 1;
  }

  /**
   * The side-by-side table: one row per system, failover and switchover columns, ratios to Synod.
   */
  static String table(List<Series> series) {
    Series synodF = find(series, "synod", "failover", null);
    Series synodS = find(series, "synod", "switchover", null);
    StringBuilder b = new StringBuilder();
    b.append(
        "Crash failover: kill -9 of the primary's node (at a random point of the lease-renewal cycle) -> first committed write on the new primary\n");
    b.append(
        String.format(
            Locale.ROOT,
            "%-62s %6s %8s %8s %8s %8s %10s%n",
            "system (settings)",
            "trials",
            "min",
            "median",
            "p95",
            "max",
            "vs Synod"));
    for (Series s : series) {
      if (s.drill().equals("failover")) {
        Stats st = s.stats();
        b.append(
            String.format(
                Locale.ROOT,
                "%-62s %6d %8s %8s %8s %8s %10s%n",
                s.label(),
                st.n(),
                Stats.sec(st.min()),
                Stats.sec(st.median()),
                Stats.sec(st.p95()),
                Stats.sec(st.max()),
                ratio(st.median(), synodF == null ? Double.NaN : synodF.stats().median())));
      }
    }
    b.append('\n');
    b.append(
        "Switchover: request -> first committed write on the candidate; write gap = last commit on the old primary -> first on the new\n");
    b.append(
        String.format(
            Locale.ROOT,
            "%-62s %6s %8s %8s %8s %10s %10s %10s%n",
            "system (settings)",
            "trials",
            "median",
            "p95",
            "max",
            "gap med",
            "gap max",
            "vs Synod"));
    for (Series s : series) {
      if (s.drill().equals("switchover")) {
        Stats st = s.stats();
        Stats gap = s.extraStats("write_gap_ms");
        b.append(
            String.format(
                Locale.ROOT,
                "%-62s %6d %8s %8s %8s %10s %10s %10s%n",
                s.label(),
                st.n(),
                Stats.sec(st.median()),
                Stats.sec(st.p95()),
                Stats.sec(st.max()),
                gap == null ? "-" : Stats.sec(gap.median()),
                gap == null ? "-" : Stats.sec(gap.max()),
                ratio(st.median(), synodS == null ? Double.NaN : synodS.stats().median())));
      }
    }
    if (synodF != null && synodF.extraStats("detection_ms") != null) {
      b.append('\n')
          .append("Synod crash failover, where the time went (medians): ")
          .append(breakdown(synodF))
          .append('\n');
    }
    if (synodS != null && synodS.extraStats("request_to_stepdown_ms") != null) {
      b.append("Synod switchover, where the time went (medians): ")
          .append(switchoverBreakdown(synodS))
          .append('\n');
    }
    for (Series s : series) {
      if (s.drill().equals("failover") && s.extraStats("rejoin_ms") != null) {
        b.append("rejoin of the killed node (restart -> streaming), ")
            .append(s.label())
            .append(": ")
            .append(s.extraStats("rejoin_ms").line())
            .append('\n');
      }
    }
    return b.toString();
  }

  private static String ratio(double a, double synod) {
    return Double.isNaN(a) || Double.isNaN(synod) || synod <= 0
        ? "-"
        : String.format(Locale.ROOT, "%.1fx", a / synod);
  }

  private static Series find(List<Series> all, String system, String drill, String label) {
    return all.stream()
        .filter(s -> s.system().equals(system) && s.drill().equals(drill))
        .findFirst()
        .orElse(null);
  }

  /** Installs Debian's patroni and etcd-server when missing (root only, unless --no-install). */
  private void ensurePatroni() throws Exception {
    String missing = PatroniCluster.missing();
    if (missing == null) {
      return;
    }
    if (!install || !Procs.ROOT) {
      throw new IllegalStateException(
          "missing Debian package(s): "
              + missing
              + "; install them with: apt-get install -y "
              + missing);
    }
    OUT.println(
        "installing "
            + missing
            + " with apt-get (Debian packages; nothing is started by the install)...");
    ProcessBuilder pb =
        new ProcessBuilder(
                List.of(
                    "bash",
                    "-c",
                    "apt-get install -y --no-install-recommends "
                        + missing
                        + " || (apt-get update && apt-get install -y --no-install-recommends "
                        + missing
                        + ")"))
            .inheritIO();
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    int rc = pb.start().waitFor();
    if (rc != 0 || PatroniCluster.missing() != null) {
      throw new IllegalStateException("apt-get install " + missing + " failed (exit " + rc + ")");
    }
  }
}
