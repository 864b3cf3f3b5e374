package io.synod.bench.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.synod.bench.cluster.HaCluster.Node;
import io.synod.bench.cluster.Procs;
import io.synod.bench.cluster.SynodCluster;
import io.synod.bench.drill.MachineFacts;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bin/synod chaos [options]}: the fault campaign (issue 10). Three Synod nodes in network
 * namespaces, a prober writing to each of them, the scenarios of {@link Scenario}; a table per
 * scenario and {@code <stamp>-chaos.md/.json} under the output dir. Exit 3 when two nodes
 * acknowledged writes at once, or (with --sync) an acknowledged write was lost; 1 when the run
 * failed; 2 for bad options.
 */
public final class ChaosMain {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  static final long PROBE_INTERVAL_MS = 20;

  private ChaosMain() {}

  public static void usage(PrintStream p) {
    p.println(
        """
          chaos [--scenario S[,S]] [--rounds N] [--quick] [--sync] [--kill-cycles N] [--out DIR] [--keep-logs]
                                  the fault campaign (also `bin/synod chaos`, root only): 3 nodes in network
                                  namespaces, a prober writing to each every 20 ms; scenarios isolate-primary,
                                  isolate-raft-leader, asymmetric, flapping, stop-engine, stop-group, kill-cycles
                                  (default all). --sync: synchronous_mode on. --kill-cycles default 50 (5 quick).
                                  --keep-logs: copy the node logs next to the report (always done for a bad round).
                                  Exit 3 on any overlap window or, with --sync, any lost acknowledged write.""");
  }

  /** What one run produced: the rounds, and the result files. */
  public record Outcome(List<Round> rounds, Path md, Path json, int exitCode) {}

  public static int run(String[] args, Path defaultOut, PrintStream o) throws Exception {
    ChaosOptions opts = ChaosOptions.parse(args, defaultOut);
    try {
      return execute(opts, o).exitCode();
    } catch (IllegalArgumentException e) {
      // not an option problem (exit 2 is for those): a failed run
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  public static Outcome execute(ChaosOptions opts, PrintStream o) throws Exception {
    Namespaces.installTools();
    String why = Namespaces.unavailable();
    if (why != null) {
      throw new IllegalStateException("chaos needs network namespaces: " + why);
    }
    String stamp =
        LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    String command = "bin/synod chaos " + String.join(" ", opts.argv());
    Map<String, Object> machine = MachineFacts.collect();
    machine.put("nproc", Procs.run(List.of("nproc"), 5));
    o.println("machine: " + machine);
    List<Round> rounds = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    Map<String, Object> settings = new LinkedHashMap<>();
    List<Overlap.Window> allWindows = List.of();
    boolean keepLogs = false;
    Path logs = opts.out().resolve(stamp + "-chaos-logs");
    long started = System.nanoTime();
    try (Namespaces ns = Namespaces.create(3);
        SynodCluster cluster =
            new SynodCluster(
                opts.sync() ? "    synchronous_mode: true\n" : "",
                new SynodCluster.Hosts(
                    ns.addrs(),
                    List.of(ns.prefix(1), ns.prefix(2), ns.prefix(3)),
                    Namespaces.NET))) {
      cluster.startAll();
      Node primary = cluster.awaitHealthy(Duration.ofSeconds(240));
      settings.putAll(cluster.settings());
      settings.put("synchronous_mode", opts.sync());
      settings.put("probe_interval_ms", PROBE_INTERVAL_MS);
      long ttlMs = (long) (Double.parseDouble(String.valueOf(settings.get("ttl"))) * 1000);
      o.println("cluster up: " + cluster.label() + ", primary " + primary.name);
      try (Prober prober = new Prober(cluster, PROBE_INTERVAL_MS).start(primary)) {
        Scenarios sc = new Scenarios(cluster, ns, prober, opts, ttlMs);
        settings.put("isolation_ms", sc.isolateMs());
        settings.put("stop_ms", 2 * ttlMs);
        try {
          for (Scenario s : opts.scenarios()) {
            o.println();
            o.println("== " + s.id + ": " + s.what);
            for (int r = 1; r <= opts.rounds(); r++) {
              try {
                for (Round x : sc.run(s, r)) {
                  rounds.add(x);
                  o.println("  " + line(x));
                }
              } catch (Exception e) {
                sc.resumeAll();
                String f = s.id + " round " + r + ": " + e.getMessage();
                failures.add(f);
                o.println("  FAILED " + f);
                keepLogs = true;
                for (Node n : cluster.nodes()) {
                  if (!n.alive()) {
                    cluster.start(n);
                  }
                }
              }
            }
            o.println();
            o.print(table(s, rounds));
          }
        } finally {
          sc.resumeAll();
        }
        allWindows = Overlap.windows(prober.acks(Long.MIN_VALUE, Long.MAX_VALUE));
      }
      boolean bad =
          !allWindows.isEmpty()
              || rounds.stream()
                  .anyMatch(r -> (opts.sync() && r.lost() > 0) || r.convergeMs() == null);
      if (bad || keepLogs || opts.keepLogs()) {
        copyLogs(cluster, logs);
        o.println("node logs copied to " + logs);
      }
    }
    machine.put("loadavg_after", MachineFacts.loadAvg());
    machine.put("minutes", Math.round((System.nanoTime() - started) / 6e10));
    int lostSync = opts.sync() ? rounds.stream().mapToInt(r -> Math.max(0, r.lost())).sum() : 0;
    int rc = !allWindows.isEmpty() || lostSync > 0 ? 3 : failures.isEmpty() ? 0 : 1;
    Files.createDirectories(opts.out());
    Path md = opts.out().resolve(stamp + "-chaos.md");
    Path json = opts.out().resolve(stamp + "-chaos.json");
    StringBuilder b = new StringBuilder();
    b.append("# ").append(stamp).append(" chaos\n\n`").append(command).append("`\n\n");
    b.append("Machine: ").append(machine).append("\n\nSettings: ").append(settings).append("\n");
    for (Scenario s : opts.scenarios()) {
      b.append("\n## ").append(s.id).append("\n\n").append(s.what).append("\n\n");
      b.append(table(s, rounds));
    }
    b.append("\nOverlap windows over the whole run: ").append(allWindows.size()).append('\n');
    for (Overlap.Window w : allWindows) {
      b.append("- ").append(describe(w)).append('\n');
    }
    if (!failures.isEmpty()) {
      b.append("\nFailed rounds:\n");
      failures.forEach(f -> b.append("- ").append(f).append('\n'));
    }
    Files.writeString(md, b.toString());
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("run", stamp + "-chaos");
    doc.put("command", command);
    doc.put("machine", machine);
    doc.put("settings", settings);
    doc.put("rounds", rounds);
    doc.put("overlap_windows", allWindows);
    doc.put("failures", failures);
    doc.put("exit_code", rc);
    Files.writeString(json, JSON.writeValueAsString(doc));
    o.println();
    o.println(
        "overlap windows over the whole run: "
            + allWindows.size()
            + (opts.sync() ? ", lost acknowledged writes (sync): " + lostSync : ""));
    allWindows.forEach(w -> o.println("  " + describe(w)));
    failures.forEach(f -> o.println("failed: " + f));
    o.println("wrote " + md);
    o.println("wrote " + json);
    return new Outcome(rounds, md, json, rc);
  }

  private static void copyLogs(SynodCluster c, Path to) {
    try {
      Files.createDirectories(to);
      for (Node n : c.nodes()) {
        for (Path f : List.of(c.managerLog(n), c.postgresLog(n))) {
          if (Files.exists(f)) {
            Files.copy(
                f, to.resolve(n.name + "-" + f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    } catch (IOException e) {
      System.err.println("chaos: could not copy logs: " + e);
    }
  }

  static String describe(Overlap.Window w) {
    return String.format(
        Locale.ROOT,
        "%s (timeline %d) acknowledged %d write(s) during %.0f ms after %s's first write on"
            + " timeline %d (%d sent after it)",
        w.staleNode(),
        w.staleTimeline(),
        w.writes(),
        w.ms(),
        w.newNode(),
        w.newTimeline(),
        w.sentAfter());
  }

  static String ms(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.0f", v);
  }

  static String line(Round r) {
    return String.format(
        Locale.ROOT,
        "round %d: %s; old primary's last write %s, new primary %s first write %s ms, converged %s"
            + " ms after heal, longest gap %.0f ms, failovers %d, raft %s->%s (+%d terms),"
            + " overlap %d window(s) %.0f ms, acked %d, lost %s, uncertain %d%s",
        r.round(),
        r.fault(),
        r.stopMs() == null ? "kept writing" : ms(r.stopMs()) + " ms",
        r.newPrimary() == null ? "-" : r.newPrimary(),
        ms(r.newFirstMs()),
        ms(r.convergeMs()),
        r.maxGapMs(),
        r.failovers(),
        r.raftBefore(),
        r.raftAfter(),
        r.raftTerms(),
        r.overlaps().size(),
        Overlap.maxMs(r.overlaps()),
        r.acked(),
        r.lost() < 0 ? "?" : String.valueOf(r.lost()),
        r.uncertain(),
        r.note().isEmpty() ? "" : " (" + r.note() + ")");
  }

  /** A markdown table of one scenario's rounds. */
  static String table(Scenario s, List<Round> all) {
    StringBuilder b = new StringBuilder();
    b.append(
        "| round | old primary | old primary's last write (ms after fault) | new primary: first"
            + " write (ms) | converged (ms after heal) | longest write gap (ms) | failovers | Raft"
            + " leader (terms) | overlap windows (max ms, writes) | acked | lost | in doubt |"
            + " note |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Round r : all) {
      if (!r.scenario().equals(s.id)) {
        continue;
      }
      b.append(
          String.format(
              Locale.ROOT,
              "| %d | %s | %s | %s | %s | %.0f | %d | %s→%s (+%d) | %d (%.0f, %d) | %d | %s | %d |"
                  + " %s |%n",
              r.round(),
              r.oldPrimary(),
              r.stopMs() == null ? "kept writing" : ms(r.stopMs()),
              r.newPrimary() == null ? "-" : r.newPrimary() + ": " + ms(r.newFirstMs()),
              ms(r.convergeMs()),
              r.maxGapMs(),
              r.failovers(),
              r.raftBefore(),
              r.raftAfter(),
              r.raftTerms(),
              r.overlaps().size(),
              Overlap.maxMs(r.overlaps()),
              Overlap.writes(r.overlaps()),
              r.acked(),
              r.lost() < 0 ? "?" : String.valueOf(r.lost()),
              r.uncertain(),
              (r.fault() + (r.note().isEmpty() ? "" : "; " + r.note())).replace("|", "/")));
    }
    return b.toString();
  }
}
