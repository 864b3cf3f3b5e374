package io.synod.bench.checker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.synod.bench.checker.DurabilityDrill.Outcome;
import io.synod.bench.checker.DurabilityDrill.Round;
import io.synod.bench.drill.MachineFacts;
import io.synod.bench.drill.Stats;
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

/**
 * {@code bin/synod bench durability --mode async|on|strict|quorum[,...]|all --failovers N
 * --switchovers N}: the durability drill per mode, a table, and RUN.json / RUN.csv / RUN.md under
 * bench/results/. Exit 0 when every mode lost nothing, 3 when a synchronous mode lost an
 * acknowledged write (or duplicated one), 1 when rounds failed.
 */
public final class DurabilityMain {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private DurabilityMain() {}

  public static void usage(PrintStream p) {
    p.println(
        """
          durability --mode M --failovers N --switchovers N
                                  write checker drill: one connection writes numbered rows through the primary
                                  (GET /primary) plus a background pgbench, while the primary is crashed (kill -9
                                  of engine + postmaster) N times and switched over N times; then every
                                  acknowledged row is looked up on the new primary. M: async, on, strict, quorum,
                                  a comma list, or all. Also --pgbench-clients N (default 2), --seed S.""");
  }

  public static int run(String[] args, Path out, PrintStream o) throws Exception {
    List<String> modes = List.of("on");
    int failovers = 3;
    int switchovers = 3;
    long seed = 42;
    int clients = 2;
    List<String> argv = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      String v = args[++i];
      argv.add(a);
      argv.add(v);
      switch (a) {
        case "--mode" -> modes = v.equals("all") ? DurabilityDrill.MODES : List.of(v.split(","));
        case "--failovers" -> failovers = Integer.parseInt(v);
        case "--switchovers" -> switchovers = Integer.parseInt(v);
        case "--seed" -> seed = Long.parseLong(v);
        case "--pgbench-clients" -> clients = Integer.parseInt(v);
        case "--out" -> out = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    List<DurabilityDrill.Options> opts = new ArrayList<>();
    for (String m : modes) {
      opts.add(new DurabilityDrill.Options(m.strip(), failovers, switchovers, seed, clients));
    }
    String command = "bin/synod bench durability " + String.join(" ", argv);
    Map<String, Object> machine = MachineFacts.collect();
    o.println("machine: " + machine);
    List<Outcome> outcomes = new ArrayList<>();
    for (DurabilityDrill.Options d : opts) {
      o.println();
      o.println(
          "mode "
              + d.mode()
              + ": "
              + d.failovers()
              + " crash failover(s), "
              + d.switchovers()
              + " switchover(s), pgbench -c "
              + d.pgbenchClients()
              + ", seed "
              + d.seed());
      Outcome r = new DurabilityDrill(d, o).run();
      outcomes.add(r);
      o.println("  " + r.check().line());
      if (!r.check().lost().isEmpty()) {
        o.println(
            "  LOST ACKNOWLEDGED WRITES ("
                + r.check().lost().size()
                + "): "
                + r.lostByRound().subList(0, Math.min(20, r.lostByRound().size())));
      }
      if (!r.check().duplicates().isEmpty()) {
        o.println("  DUPLICATED ROWS: " + r.check().duplicates());
      }
      if (r.keptLogs() != null) {
        o.println("  node logs kept in " + r.keptLogs());
      }
    }
    machine.put("loadavg_after", MachineFacts.loadAvg());
    String run =
        LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
            + "-durability-"
            + String.join("-", modes);
    String table = table(outcomes);
    o.println();
    o.println(table);
    Files.createDirectories(out);
    Path json = out.resolve(run + ".json");
    Path csv = out.resolve(run + ".csv");
    Path md = out.resolve(run + ".md");
    Files.writeString(json, JSON.writeValueAsString(document(run, command, machine, outcomes)));
    Files.writeString(csv, csv(outcomes));
    Files.writeString(
        md, "# " + run + "\n\n`" + command + "`\n\nMachine: " + machine + "\n\n" + table + "\n");
    for (Path p : List.of(json, csv, md)) {
      o.println("wrote " + p);
    }
    boolean syncLoss =
        outcomes.stream().anyMatch(r -> !r.options().mode().equals("async") && !r.check().ok());
    if (syncLoss) {
      o.println("CRITICAL: a synchronous mode lost or duplicated acknowledged writes (see above)");
      return 3;
    }
    boolean allRounds =
        outcomes.stream()
            .allMatch(
                r ->
                    r.okCount("failover") == r.options().failovers()
                        && r.okCount("switchover") == r.options().switchovers());
    return allRounds ? 0 : 1;
  }

  /** One markdown table row per mode. */
  public static String table(List<Outcome> outcomes) {
    StringBuilder b = new StringBuilder();
    b.append(
        "| mode | failovers ok | switchovers ok | acknowledged | lost | duplicates | in doubt"
            + " (committed) | failover median / max | switchover median / max | longest write gap"
            + " | commit p50 / p99 | pgbench tx/s |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Outcome r : outcomes) {
      Stats f = r.stats("failover");
      Stats s = r.stats("switchover");
      CheckResult c = r.check();
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %d/%d | %d/%d | %d | **%d** | %d | %d (%d) | %s / %s | %s / %s | %s | %.2f / %.2f ms | %s |%n",
              r.options().mode(),
              r.okCount("failover"),
              r.options().failovers(),
              r.okCount("switchover"),
              r.options().switchovers(),
              c.acknowledged(),
              c.lost().size(),
              c.duplicates().size(),
              c.uncertain(),
              c.uncertainCommitted(),
              Stats.sec(f.median()),
              Stats.sec(f.max()),
              Stats.sec(s.median()),
              Stats.sec(s.max()),
              Stats.sec(c.longestGapMs()),
              c.latencyP50Ms(),
              c.latencyP99Ms(),
              r.settings().get("pgbench committed tx/s (rows in pgbench_history / run time)")));
    }
    return b.toString();
  }

  static Map<String, Object> document(
      String run, String command, Map<String, Object> machine, List<Outcome> outcomes) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("run", run);
    doc.put("command", command);
    doc.put("machine", machine);
    List<Map<String, Object>> modes = new ArrayList<>();
    for (Outcome r : outcomes) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mode", r.options().mode());
      m.put("failovers_asked", r.options().failovers());
      m.put("switchovers_asked", r.options().switchovers());
      m.put("failovers_ok", r.okCount("failover"));
      m.put("switchovers_ok", r.okCount("switchover"));
      m.put("seed", r.options().seed());
      m.put("settings", r.settings());
      m.put("seconds", Math.round(r.seconds()));
      m.put("checker_reconnects", r.checkerReconnects());
      m.put("pgbench_transactions", r.pgbenchTransactions());
      m.put("failover", r.stats("failover").toMap());
      m.put("switchover", r.stats("switchover").toMap());
      m.put("failover_write_gap", gapStats(r, "failover").toMap());
      m.put("switchover_write_gap", gapStats(r, "switchover").toMap());
      m.put("check", r.check().toMap());
      m.put("lost_by_round", r.lostByRound());
      m.put("kept_logs", r.keptLogs() == null ? null : r.keptLogs().toString());
      m.put("rounds", r.rounds().stream().map(Round::toMap).toList());
      modes.add(m);
    }
    doc.put("modes", modes);
    return doc;
  }

  private static Stats gapStats(Outcome r, String kind) {
    return Stats.of(r.of(kind).stream().filter(Round::ok).map(Round::writeGapMs).toList());
  }

  static String csv(List<Outcome> outcomes) {
    StringBuilder b =
        new StringBuilder("mode,round,kind,from,to,ms,write_gap_ms,random_delay_ms,at,error\n");
    for (Outcome r : outcomes) {
      for (Round x : r.rounds()) {
        b.append(
            String.format(
                Locale.ROOT,
                "%s,%d,%s,%s,%s,%s,%s,%d,%s,%s%n",
                r.options().mode(),
                x.n(),
                x.kind(),
                x.from(),
                x.to(),
                Double.isNaN(x.ms()) ? "" : String.format(Locale.ROOT, "%.1f", x.ms()),
                Double.isNaN(x.writeGapMs())
                    ? ""
                    : String.format(Locale.ROOT, "%.1f", x.writeGapMs()),
                x.delayMs(),
                java.time.Instant.ofEpochMilli(x.eventEpochMs()),
                x.error() == null ? "" : "\"" + x.error().replace("\"", "'") + "\""));
      }
    }
    return b.toString();
  }
}
