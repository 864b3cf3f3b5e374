package io.synod.bench.checker;

import io.synod.bench.checker.WriteLedger.Ack;
import io.synod.bench.cluster.HaCluster;
import io.synod.bench.cluster.HaCluster.Node;
import io.synod.bench.cluster.Procs;
import io.synod.bench.cluster.SynodCluster;
import io.synod.bench.drill.Stats;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The durability drill: a real three-node Synod cluster in one replication mode, the {@link
 * WriteChecker} writing as fast as one connection allows plus a background pgbench, then crash
 * failovers (SIGKILL of the primary's engine and postmaster together, at a random moment) and
 * switchovers ({@code POST /switchover} naming only the leader), alternating. Before each round the
 * cluster is healthy again (the killed node rejoined) and, in the synchronous modes, the primary
 * has a synchronous standby. At the end the rows are read back from the primary and compared with
 * what was acknowledged.
 */
public final class DurabilityDrill {
  public static final List<String> MODES = List.of("async", "on", "strict", "quorum");
  static final Duration HEALTHY = Duration.ofMinutes(5);
  static final long ROUND_TIMEOUT_MS = 120_000;
  static final long RESTART_AFTER_MS = 30_000;

  /** What to run. */
  public record Options(
      String mode, int failovers, int switchovers, long seed, int pgbenchClients) {
    public Options {
      if (!MODES.contains(mode)) {
        throw new IllegalArgumentException("unknown --mode " + mode + " (" + MODES + ")");
      }
      if (failovers < 0 || switchovers < 0 || pgbenchClients < 0) {
        throw new IllegalArgumentException("counts must not be negative");
      }
    }
  }

  /**
   * One failover or switchover. {@code ms}: event to the first acknowledged commit elsewhere;
   * {@code note}: a switchover's REST answer, or the standbys the primary waited for when it was
   * killed.
   */
  public record Round(
      int n,
      String kind,
      String from,
      String to,
      double ms,
      double writeGapMs,
      long delayMs,
      long eventEpochMs,
      String note,
      String error) {
    public boolean ok() {
      return error == null;
    }

    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("round", n);
      m.put("kind", kind);
      m.put("from", from);
      m.put("to", to);
      m.put("ms", Double.isNaN(ms) ? null : Math.round(ms * 10) / 10.0);
      m.put("write_gap_ms", Double.isNaN(writeGapMs) ? null : Math.round(writeGapMs * 10) / 10.0);
      m.put("random_delay_ms", delayMs);
      m.put("at", Instant.ofEpochMilli(eventEpochMs).toString());
      m.put(kind.equals("failover") ? "sync_standbys_at_kill" : "response", note);
      m.put("error", error);
      return m;
    }
  }

  /** Everything one mode produced. */
  public record Outcome(
      Options options,
      CheckResult check,
      List<Round> rounds,
      Map<String, Object> settings,
      long pgbenchTransactions,
      double seconds,
      int checkerReconnects,
      Path keptLogs) {
    public List<Round> of(String kind) {
      return rounds.stream().filter(r -> r.kind().equals(kind)).toList();
    }

    public Stats stats(String kind) {
      return Stats.of(of(kind).stream().filter(Round::ok).map(Round::ms).toList());
    }

    public long okCount(String kind) {
      return of(kind).stream().filter(Round::ok).count();
    }

    /**
     * Each lost write with the round whose kill or request was nearest in time to its
     * acknowledgement (the likely culprit), and how long before that event it was acknowledged
     * (negative: after).
     */
    public List<Map<String, Object>> lostByRound() {
      List<Map<String, Object>> out = new ArrayList<>();
      for (Ack a : check.lost()) {
        Map<String, Object> m = CheckResult.ackMap(a);
        Round near = null;
        for (Round r : rounds) {
          if (near == null
              || Math.abs(r.eventEpochMs() - a.epochMs())
                  < Math.abs(near.eventEpochMs() - a.epochMs())) {
            near = r;
          }
        }
        m.put("round", near == null ? null : near.n());
        m.put("round_kind", near == null ? null : near.kind());
        m.put("round_from", near == null ? null : near.from());
        m.put("round_to", near == null ? null : near.to());
        m.put("ms_before_event", near == null ? null : near.eventEpochMs() - a.epochMs());
        out.add(m);
      }
      return out;
    }
  }

  private final Options o;
  private final PrintStream out;
  private final Random rnd;

  public DurabilityDrill(Options o, PrintStream out) {
    this.o = o;
    this.out = out;
    this.rnd = new Random(o.seed());
  }

  /** The bootstrap.dcs lines of a mode. */
  public static String extraDcs(String mode) {
    return switch (mode) {
      case "async" -> "";
      case "on" -> "    synchronous_mode: true\n";
      case "strict" -> "    synchronous_mode: true\n    synchronous_mode_strict: true\n";
      case "quorum" -> "    synchronous_mode: quorum\n";
      default -> throw new IllegalArgumentException("unknown mode " + mode);
    };
  }

  public Outcome run() throws Exception {
    long t0 = System.nanoTime();
    try (SynodCluster c = new SynodCluster(extraDcs(o.mode()))) {
      out.println(
          "forming a 3-node Synod cluster, synchronous mode " + o.mode() + ", in " + c.dir());
      c.startAll();
      Node p = c.awaitHealthy(HEALTHY);
      awaitSync(c, p);
      out.printf(Locale.ROOT, "formed in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, c.label());
      Map<String, Object> settings = new LinkedHashMap<>(c.settings());
      settings.put("synchronous mode", o.mode());
      settings.put("bootstrap.dcs", extraDcs(o.mode()).strip());
      settings.put("pgbench", "-c " + o.pgbenchClients() + " -j 1, scale 1, TPC-B-like");
      settings.put("failover kill delay", "uniform in [0, 1000) ms after the checker wrote there");
      WriteChecker checker = WriteChecker.forCluster(c).start(Duration.ofSeconds(60));
      PgbenchLoad load = null;
      long loadStart = System.nanoTime();
      if (o.pgbenchClients() > 0) {
        load =
            new PgbenchLoad(checker, o.pgbenchClients(), c.dir().resolve("pgbench.log"), "postgres")
                .start();
        loadStart = System.nanoTime();
      }
      List<Round> rounds = new ArrayList<>();
      Path kept = null;
      try {
        Thread.sleep(3000); // steady state first
        int f = 0;
        int s = 0;
        int n = 0;
        while (f < o.failovers() || s < o.switchovers()) {
          boolean failover = f < o.failovers() && (s >= o.switchovers() || f <= s);
          n++;
          Round r;
          try {
            r = failover ? failover(c, checker, n) : switchover(c, checker, n);
          } catch (HealthTimeout e) {
            out.println("  round " + n + ": cluster did not heal: " + e.getMessage());
            rounds.add(
                new Round(
                    n,
                    failover ? "failover" : "switchover",
                    null,
                    null,
                    Double.NaN,
                    Double.NaN,
                    0,
                    System.currentTimeMillis(),
                    null,
                    "not healthy: " + e.getMessage()));
            break;
          }
          if (failover) {
            f++;
          } else {
            s++;
          }
          rounds.add(r);
          out.println("  " + describe(r));
        }
        try {
          c.awaitHealthy(HEALTHY);
        } catch (RuntimeException e) {
          out.println("  the cluster did not heal at the end: " + e.getMessage());
        }
        Thread.sleep(2000);
      } finally {
        if (load != null) {
          load.close();
        }
        checker.close();
      }
      double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
      CheckResult check = checker.verify(Duration.ofMinutes(2));
      long tx = o.pgbenchClients() > 0 ? pgbenchTransactions(c) : 0;
      if (!check.ok()) {
        kept = keepLogs(c);
      }
      settings.put(
          "pgbench committed tx/s (rows in pgbench_history / run time)",
          String.format(Locale.ROOT, "%.0f", tx / Math.max(1, loadSeconds)));
      return new Outcome(
          o,
          check,
          rounds,
          settings,
          tx,
          (System.nanoTime() - t0) / 1e9,
          checker.reconnects(),
          kept);
    }
  }

  static final class HealthTimeout extends Exception {
    HealthTimeout(String m) {
      super(m);
    }
  }

  private Node healthy(HaCluster c) throws HealthTimeout {
    try {
      Node p = c.awaitHealthy(HEALTHY);
      awaitSync(c, p);
      return p;
    } catch (IllegalStateException e) {
      throw new HealthTimeout(e.getMessage());
    }
  }

  /** In the synchronous modes: until the primary has a standby in sync or quorum state. */
  private void awaitSync(HaCluster c, Node p) {
    if (o.mode().equals("async")) {
      return;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      try (Connection con = c.connect(p, 2);
          Statement s = con.createStatement();
          ResultSet r =
              s.executeQuery(
                  "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync','quorum')")) {
        if (r.next() && r.getInt(1) > 0 && syncRoleRecorded(c)) {
          return;
        }
      } catch (SQLException e) {
        // not yet
      }
      Procs.sleep(200);
    }
    throw new IllegalStateException(p.name + " has no synchronous standby after 120 s");
  }

  /** The standbys the primary waits for now (pg_stat_replication sync/quorum), "" in async. */
  private static String syncStandbys(HaCluster c, Node p) {
    try (Connection con = c.connect(p, 2);
        Statement s = con.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT string_agg(application_name || ' ' || sync_state, ', ' ORDER BY"
                    + " application_name) FROM pg_stat_replication WHERE sync_state IN"
                    + " ('sync','quorum')")) {
      return r.next() && r.getString(1) != null ? r.getString(1) : "";
    } catch (SQLException e) {
      return "? (" + e.getMessage() + ")";
    }
  }

  /**
   * Whether the sync key names a standby a failover may promote (GET /cluster shows a sync_standby
   * or quorum_standby role): PostgreSQL waiting for a standby is not enough, the key is written
   * after it, and until then no failover is possible (as in Patroni).
   */
  private static boolean syncRoleRecorded(HaCluster c) {
    for (String[] m : c.restMembers().values()) {
      if (m[0].equals("sync_standby") || m[0].equals("quorum_standby")) {
        return true;
      }
    }
    return false;
  }

  private static Ack await(Supplier<Ack> s, long timeoutMs) {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() < deadline) {
      Ack a = s.get();
      if (a != null) {
        return a;
      }
      Procs.sleep(5);
    }
    return null;
  }

  /** A round that could not start: the checker's writes did not reach the primary. */
  private static Round notWriting(int n, String kind, Node p, WriteChecker w) {
    return new Round(
        n,
        kind,
        p.name,
        null,
        Double.NaN,
        Double.NaN,
        0,
        System.currentTimeMillis(),
        null,
        "the checker did not write through " + p.name + " within 30 s: " + w.lastError());
  }

  private Round failover(SynodCluster c, WriteChecker w, int n) throws HealthTimeout {
    Node p = healthy(c);
    WriteLedger l = w.ledger();
    long since = System.nanoTime();
    if (await(() -> l.firstAckOnAfter(since, p.name), 30_000) == null) {
      return notWriting(n, "failover", p, w);
    }
    List<Long> pids = c.nodePids(p);
    String sync = syncStandbys(c, p);
    long delay = rnd.nextInt(1000);
    Procs.sleep(delay);
    long epoch = System.currentTimeMillis();
    long kill = System.nanoTime();
    c.crash(p, pids); // engine, fence sidecar, postmaster and backends: SIGKILL
    // A crashed machine comes back: once another member took over (it rejoins with pg_rewind while
    // the next round waits for health), or after RESTART_AFTER_MS without a failover (then the
    // old primary may resume: no failover was possible).
    Ack first = await(() -> l.firstAckAfter(kill, p.name), RESTART_AFTER_MS);
    Ack last = l.lastAckBefore(kill);
    try {
      c.start(p);
    } catch (IOException e) {
      throw new HealthTimeout("could not restart " + p.name + ": " + e);
    }
    if (first == null) {
      Ack any = await(() -> l.firstAckAfter(kill, null), ROUND_TIMEOUT_MS);
      if (any != null) {
        return new Round(
            n,
            "failover",
            p.name,
            any.node(),
            (any.nanos() - kill) / 1e6,
            last == null ? Double.NaN : (any.nanos() - last.nanos()) / 1e6,
            delay,
            epoch,
            sync,
            "no failover within "
                + RESTART_AFTER_MS / 1000
                + " s; "
                + p.name
                + " was restarted and "
                + any.node()
                + " accepted writes again");
      }
      return new Round(
          n,
          "failover",
          p.name,
          null,
          Double.NaN,
          Double.NaN,
          delay,
          epoch,
          sync,
          "no commit acknowledged elsewhere within "
              + ROUND_TIMEOUT_MS / 1000
              + " s: "
              + w.lastError());
    }
    return new Round(
        n,
        "failover",
        p.name,
        first.node(),
        (first.nanos() - kill) / 1e6,
        last == null ? Double.NaN : (first.nanos() - last.nanos()) / 1e6,
        delay,
        epoch,
        sync,
        null);
  }

  private Round switchover(SynodCluster c, WriteChecker w, int n) throws HealthTimeout {
    Node p = healthy(c);
    WriteLedger l = w.ledger();
    long since = System.nanoTime();
    if (await(() -> l.firstAckOnAfter(since, p.name), 30_000) == null) {
      return notWriting(n, "switchover", p, w);
    }
    long delay = rnd.nextInt(500);
    Procs.sleep(delay);
    long epoch = System.currentTimeMillis();
    long start = System.nanoTime();
    Object[] resp = c.post(p, "/switchover", Map.of("leader", p.name), Duration.ofSeconds(90));
    String response = resp[0] + " " + String.valueOf(resp[1]).strip();
    Ack first = await(() -> l.firstAckAfter(start, p.name), ROUND_TIMEOUT_MS);
    Ack last = l.lastAckBefore(first == null ? System.nanoTime() : first.nanos());
    if (first == null || !Integer.valueOf(200).equals(resp[0])) {
      return new Round(
          n,
          "switchover",
          p.name,
          first == null ? null : first.node(),
          first == null ? Double.NaN : (first.nanos() - start) / 1e6,
          Double.NaN,
          delay,
          epoch,
          response,
          first == null
              ? "no commit acknowledged elsewhere within " + ROUND_TIMEOUT_MS / 1000 + " s"
              : "POST /switchover answered " + response);
    }
    return new Round(
        n,
        "switchover",
        p.name,
        first.node(),
        (first.nanos() - start) / 1e6,
        last == null ? Double.NaN : (first.nanos() - last.nanos()) / 1e6,
        delay,
        epoch,
        response,
        null);
  }

  static String describe(Round r) {
    if (!r.ok()) {
      return "round " + r.n() + " " + r.kind() + " of " + r.from() + ": FAILED: " + r.error();
    }
    return String.format(
        Locale.ROOT,
        "round %d %s: %s -> %s in %s (write gap %s%s)",
        r.n(),
        r.kind(),
        r.from(),
        r.to(),
        Stats.sec(r.ms()),
        Stats.sec(r.writeGapMs()),
        r.kind().equals("failover")
            ? ", killed "
                + r.delayMs()
                + " ms after the random wait began"
                + (r.note() == null || r.note().isEmpty() ? "" : "; it waited for " + r.note())
            : ", " + r.note());
  }

  private static long pgbenchTransactions(HaCluster c) {
    Node p = c.sqlPrimary();
    if (p == null) {
      return 0;
    }
    try (Connection con = c.connect(p, 5);
        Statement s = con.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*) FROM pgbench_history")) {
      return r.next() ? r.getLong(1) : 0;
    } catch (SQLException e) {
      return 0;
    }
  }

  /** On a verdict other than ok: the nodes' logs go to /tmp for inspection. */
  private static Path keepLogs(HaCluster c) {
    try {
      Path dest = Files.createTempDirectory("synod-durability-logs-");
      for (Node n : c.nodes()) {
        for (Path f : List.of(c.managerLog(n), c.postgresLog(n))) {
          if (Files.exists(f)) {
            Files.copy(
                f,
                dest.resolve(
                    f.getFileName().toString().replace("synod.log", n.name + "-synod.log")));
          }
        }
      }
      Path pgb = c.dir().resolve("pgbench.log");
      if (Files.exists(pgb)) {
        Files.copy(pgb, dest.resolve("pgbench.log"));
      }
      return dest;
    } catch (IOException e) {
      return null;
    }
  }
}
