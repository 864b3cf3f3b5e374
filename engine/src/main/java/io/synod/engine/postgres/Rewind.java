package io.synod.engine.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * pg_rewind of a former primary onto the leader's timeline, as Patroni's postgresql/rewind.py, with
 * its crash-recovery step: pg_rewind needs a cleanly shut down target, so a crashed one is first
 * run through crash recovery in single-user mode. Reached through {@link Postgres#rewind}.
 */
final class Rewind {
  // Logged under Postgres, where these lines have always been.
  private static final Logger log = LoggerFactory.getLogger(Postgres.class);

  private final Postgres pg;
  private final Bootstrap bootstrap;

  Rewind(Postgres pg, Bootstrap bootstrap) {
    this.pg = pg;
    this.bootstrap = bootstrap;
  }

  /**
   * Rewinds this stopped former primary onto the leader's timeline with pg_rewind (as the rewind
   * role, or the superuser). A crashed target is first brought to a clean shutdown ({@link
   * #ensureCleanShutdown}: standby.signal set aside, archive_command=false so no WAL is archived or
   * recycled). On success the node is configured as a standby of that leader and the config files
   * copied from the leader are regenerated. On failure nothing is deleted unless
   * remove_data_directory_on_rewind_failure is set.
   */
  RewindResult rewind(String leaderHost, int leaderPort, Duration timeout) {
    PgSettings s = pg.settings();
    Path dir = s.dataDir();
    if (pg.isRunning()) {
      throw new PgException("rewind: PostgreSQL is running in " + dir + "; stop it first");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    Path standbySignal = dir.resolve("standby.signal");
    boolean hadStandbySignal = Files.exists(standbySignal);
    String detail;
    try {
      detail = ensureCleanShutdown(Postgres.remaining(deadline));
      if (detail == null) {
        PgSettings.Credentials rw = s.rewindCredentials();
        Map<String, String> conn = new LinkedHashMap<>();
        conn.put("host", leaderHost);
        conn.put("port", Integer.toString(leaderPort));
        conn.put("user", rw.username());
        conn.put("dbname", "postgres");
        conn.put("connect_timeout", "10");
        conn.put("application_name", "synod_rewind");
        conn.putAll(Libpq.params(rw, s.options().majorVersion()));
        pg.writePgpass();
        Map<String, String> env = Libpq.passwordEnv(s, rw);
        log.info(
            "pg_rewind {} (timeline {}, {}) from {}:{}",
            dir,
            pg.controlData().get(ControlData.TIMELINE),
            pg.controlData().get(ControlData.CLUSTER_STATE),
            leaderHost,
            leaderPort);
        List<String> cmd =
            new ArrayList<>(
                List.of(
                    pg.bin("pg_rewind"),
                    "-D",
                    dir.toString(),
                    "--source-server=" + ConfigFiles.conninfo(conn)));
        cmd.addAll(s.options().rewindArgs()); // postgresql.rewind
        PgProcess.Result r = PgProcess.runPg(cmd, env, Postgres.remaining(deadline));
        String out = (r.stdout() + "\n" + r.stderr()).strip();
        if (r.ok()) {
          bootstrap.afterCopyFromLeader(leaderHost, leaderPort);
          log.info("pg_rewind succeeded: {}", PgProcess.tail(out, 500));
          return new RewindResult(
              RewindResult.Status.REWOUND, PgProcess.tail(out, PgProcess.TAIL_CHARS));
        }
        detail = "pg_rewind failed: " + r.describe();
        if (cannotConnect(out)) {
          // pg_rewind stops before it touches the target when it cannot reach the source: nothing
          // changed here, so this is worth another try once the leader accepts connections.
          log.warn("pg_rewind could not reach {}:{}: {}", leaderHost, leaderPort, detail);
          if (hadStandbySignal) {
            Postgres.writeSignal(standbySignal);
          }
          return new RewindResult(RewindResult.Status.SOURCE_UNREACHABLE, detail);
        }
      }
    } catch (PgException e) {
      detail = e.getMessage();
    }
    log.error("rewind of {} failed: {}", dir, detail);
    if (s.removeDataDirectoryOnRewindFailure()) {
      log.warn("remove_data_directory_on_rewind_failure is set: removing {}", dir);
      pg.removeDataDirectory();
      return new RewindResult(RewindResult.Status.FAILED_DATA_REMOVED, detail);
    }
    if (hadStandbySignal) {
      Postgres.writeSignal(standbySignal); // ensureCleanShutdown set it aside; keep it a standby
    }
    return new RewindResult(RewindResult.Status.FAILED, detail);
  }

  /**
   * Failures pg_rewind reports before it changes anything in the target: libpq's connection
   * failures, a source still in recovery (a new primary not promoted yet), and a source that went
   * away while pg_rewind read its file list (PostgreSQL 15's pg_rewind copies only after it has
   * both file lists and the target's WAL map). A failure during the copy is not among them: the
   * target is then half-rewound and only a re-clone repairs it.
   */
  static boolean cannotConnect(String output) {
    String o = output.toLowerCase(java.util.Locale.ROOT);
    return (o.contains("connection to server") && o.contains("failed"))
        || o.contains("could not connect to server")
        || o.contains("could not translate host name")
        || o.contains("source server must not be in recovery mode")
        || o.contains("could not fetch file list");
  }

  /**
   * Brings a crashed cluster to a clean shutdown for pg_rewind by running crash recovery in
   * single-user mode. Returns null when the cluster is (now) cleanly shut down, else what went
   * wrong.
   */
  String ensureCleanShutdown(Duration timeout) {
    Map<String, String> cd = pg.controlData();
    if (ControlData.cleanlyShutDown(cd)) {
      return null;
    }
    Path dir = pg.dataDir();
    log.info(
        "{} was not shut down cleanly ({}): running crash recovery in single-user mode",
        dir,
        cd.get(ControlData.CLUSTER_STATE));
    try {
      // single-user mode refuses standby mode; the node is re-made a standby after the rewind
      Files.deleteIfExists(dir.resolve("standby.signal"));
      Files.deleteIfExists(dir.resolve("recovery.signal"));
    } catch (IOException e) {
      return "cannot set signal files aside: " + e.getMessage();
    }
    List<String> single =
        new ArrayList<>(List.of(pg.bin("postgres"), "--single", "-D", dir.toString()));
    if (pg.configFile() != null) {
      single.add("--config-file=" + pg.configFile());
    }
    single.addAll(List.of("-c", "archive_mode=on", "-c", "archive_command=false", "template1"));
    PgProcess.Result r = PgProcess.runPg(single, null, timeout);
    if (!r.ok()) {
      return "single-user crash recovery failed: " + r.describe();
    }
    cd = pg.controlData();
    if (!ControlData.cleanlyShutDown(cd)) {
      return "after single-user crash recovery the cluster state is still "
          + cd.get(ControlData.CLUSTER_STATE);
    }
    return null;
  }
}
