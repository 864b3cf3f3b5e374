package io.synod.engine.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node gets a data directory, as Patroni's postgresql/bootstrap.py: initdb or a custom method
 * for the first node of a cluster (then its roles and the post_bootstrap script),
 * create_replica_methods (pg_basebackup or custom commands) for a replica, and the fix-up after
 * files were copied from the leader (also used by {@link Rewind}). Reached through {@link
 * Postgres}, whose public methods keep their signatures.
 */
final class Bootstrap {
  // Logged under Postgres, where these lines have always been.
  private static final Logger log = LoggerFactory.getLogger(Postgres.class);

  private final Postgres pg;

  Bootstrap(Postgres pg) {
    this.pg = pg;
  }

  /**
   * Creates a new cluster in the (missing or empty) data directory, with the superuser's password
   * set from the start (--pwfile) so that Synod's TCP connection can authenticate immediately, then
   * writes Synod's config. initdbArgs are passed through; UTF8 encoding is added unless an encoding
   * is given.
   */
  void initdb(Duration timeout) {
    PgSettings s = pg.settings();
    Path dir = s.dataDir();
    if (!PgFiles.isMissingOrEmpty(dir)) {
      throw new PgException("initdb: data directory " + dir + " is not empty");
    }
    PgFiles.createPrivateDirectory(dir);
    String auth = s.superuser().hasPassword() ? "scram-sha-256" : "trust";
    List<String> cmd =
        new ArrayList<>(
            List.of(
                pg.bin("initdb"),
                "-D",
                dir.toString(),
                "-U",
                s.superuser().username(),
                "--auth-local=" + auth,
                "--auth-host=" + auth));
    boolean encoding = false;
    for (String a : s.initdbArgs()) {
      String arg = a.startsWith("-") ? a : "--" + a.replaceFirst("\\s*:\\s*", "=");
      encoding |= arg.startsWith("--encoding") || arg.startsWith("-E");
      cmd.add(arg);
    }
    if (!encoding) {
      cmd.add("--encoding=UTF8");
    }
    Path pwdir = null;
    try {
      if (s.superuser().hasPassword()) {
        // 0600 in a 0700 directory from creation on, owned by whoever runs initdb; removed after.
        pwdir = PgFiles.createPrivateTempDirectory("synod-initdb-");
        Path pwfile = pwdir.resolve("pwfile");
        PgFiles.writePrivate(pwfile, s.superuser().password() + "\n");
        PgFiles.chownToPostgres(pwfile);
        cmd.add("--pwfile=" + pwfile);
      }
      log.info("initdb {}", dir);
      PgProcess.runPgChecked("initdb", cmd, null, timeout);
    } catch (IOException e) {
      throw new UncheckedIOException("initdb: cannot write the password file", e);
    } finally {
      if (pwdir != null) {
        PgFiles.deleteRecursively(pwdir);
      }
    }
    pg.writeConfig();
  }

  /**
   * Patroni's custom bootstrap: runs the method's command with {@code --scope --datadir} (unless
   * no_params) and the method's other keys as {@code --key=value}, as the postgres user; then the
   * post-restore steps: no promote trigger file left, and the recovery settings (recovery_conf as
   * settings plus recovery.signal; else keep_existing_recovery_conf keeps the restore's own; else
   * none). Finally Synod's config files. On failure the data directory is emptied.
   */
  void customBootstrap(Duration timeout) {
    PgSettings s = pg.settings();
    DataMethods m = s.options().methods();
    if (!m.customBootstrap()) {
      throw new PgException("customBootstrap: bootstrap.method is " + m.bootstrapMethod());
    }
    Path dir = s.dataDir();
    if (!PgFiles.isMissingOrEmpty(dir)) {
      throw new PgException("bootstrap: data directory " + dir + " is not empty");
    }
    PgFiles.createPrivateDirectory(dir);
    Map<String, Object> conf = m.bootstrap();
    String name = "bootstrap method " + m.bootstrapMethod();
    try {
      List<String> cmd = new ArrayList<>(Callbacks.split(String.valueOf(conf.get("command"))));
      cmd.addAll(DataMethods.bootstrapArgs(conf, s.clusterName(), dir.toString()));
      log.info("running {}: {}", name, String.join(" ", cmd));
      PgProcess.Result r = PgProcess.runPg(cmd, Map.of(), timeout);
      if (!r.ok()) {
        throw new PgException(name + " failed: " + r.describe());
      }
      if (!Files.exists(dir.resolve("PG_VERSION"))) {
        throw new PgException(
            name + " exited 0 but left no PostgreSQL cluster in " + dir + " (no PG_VERSION)");
      }
      log.info("{} exited 0", name);
      Files.deleteIfExists(dir.resolve("promote"));
      Object rc = conf.get("recovery_conf");
      if (rc instanceof Map<?, ?> settings) {
        Files.deleteIfExists(dir.resolve("standby.signal"));
        Postgres.writeSignal(dir.resolve("recovery.signal"));
        pg.bootstrapRecovery(
            new Postgres.BootstrapRecovery(ConfigFiles.bootstrapRecoverySettings(settings), false));
      } else if (DataMethods.truthy(conf.get("keep_existing_recovery_conf"))) {
        pg.bootstrapRecovery(new Postgres.BootstrapRecovery(Map.of(), true));
      } else {
        Files.deleteIfExists(dir.resolve("standby.signal"));
        Files.deleteIfExists(dir.resolve("recovery.signal"));
        pg.bootstrapRecovery(null);
      }
      pg.configureAsPrimaryKeepingSignals();
    } catch (IOException e) {
      PgFiles.deleteContents(dir);
      throw new UncheckedIOException(name + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      PgFiles.deleteContents(dir);
      pg.bootstrapRecovery(null);
      throw e;
    }
  }

  /**
   * Creates or updates the roles Synod needs, on a running primary: the superuser (password), the
   * replication role (REPLICATION LOGIN) and, if configured, the rewind role with EXECUTE on the
   * functions pg_rewind calls.
   */
  void createUsers() {
    PgSettings s = pg.settings();
    try (Connection c = pg.connect(s.pgCtlTimeout())) {
      Roles.createAll(c, s);
    } catch (SQLException e) {
      throw new PgException("createUsers failed: " + e.getMessage(), e);
    }
  }

  /**
   * Runs post_bootstrap synchronously with a libpq connection string to this server as its argument
   * (password in PGPASSWORD, as Patroni passes it through a pgpass file); 0 when none is
   * configured, -1 on timeout.
   */
  int runPostBootstrap(Callbacks callbacks, Duration timeout) {
    PgSettings s = pg.settings();
    if (s.postBootstrap() == null) {
      return 0;
    }
    Map<String, String> conn = new LinkedHashMap<>();
    conn.put("host", ConfigFiles.localHost(s.listenHost()));
    conn.put("port", Integer.toString(s.port()));
    conn.put("user", s.superuser().username());
    conn.put("dbname", "postgres");
    conn.putAll(Libpq.params(s.superuser(), s.options().majorVersion()));
    pg.writePgpass();
    Map<String, String> env = Libpq.passwordEnv(s, s.superuser());
    return callbacks.runSync(
        "post_bootstrap", s.postBootstrap(), List.of(ConfigFiles.conninfo(conn)), env, timeout);
  }

  /**
   * Patroni's create_replica: tries {@code create_replica_methods} in order until one leaves a
   * cluster in the data directory. {@code basebackup} clones the source with pg_basebackup; any
   * other name runs its section's command as the postgres user with Patroni's arguments ({@code
   * --scope --role=replica --datadir --connstring} unless no_params, plus the section's own keys).
   * A failed method's leftovers are removed before the next one, unless that one has keep_data
   * (e.g. a pgBackRest delta restore). The result is made a standby at once (of the source, or of
   * nobody yet), so it can never come up as a second primary. When every method fails the data
   * directory is emptied and the failures are reported together.
   *
   * @param sourceHost the member to copy from (the leader or a clonefrom replica, or a standby
   *     cluster's remote primary); null when there is none: only methods with no_leader run, with
   *     an empty connstring
   * @param override the methods to try instead of create_replica_methods (a standby cluster's own);
   *     null: create_replica_methods
   */
  void createReplica(String sourceHost, int sourcePort, Duration timeout, List<String> override) {
    PgSettings s = pg.settings();
    Path dir = s.dataDir();
    if (pg.isRunning()) {
      throw new PgException("createReplica: PostgreSQL is running in " + dir);
    }
    if (!PgFiles.isMissingOrEmpty(dir)) {
      throw new PgException("createReplica: data directory " + dir + " is not empty");
    }
    DataMethods m = s.options().methods();
    List<String> all = override != null ? override : m.replicaMethods();
    List<String> methods =
        sourceHost == null ? all.stream().filter(m::worksWithoutLeader).toList() : all;
    if (methods.isEmpty()) {
      throw new PgException(
          "no leader to clone from, and no create_replica_methods entry works without one"
              + " (no_leader: true)");
    }
    pg.writePgpass();
    List<String> failures = new ArrayList<>();
    for (String method : methods) {
      try {
        if (DataMethods.BASEBACKUP.equals(method)) {
          PgFiles.deleteContents(dir);
          basebackup(sourceHost, sourcePort, timeout);
        } else {
          customReplica(method, m.replica().get(method), sourceHost, sourcePort, timeout);
        }
      } catch (PgException | UncheckedIOException e) {
        if (Thread.currentThread().isInterrupted()) { // the node is stopping: no next method
          PgFiles.deleteContents(dir);
          throw e;
        }
        log.error("creating the replica with {} failed: {}", method, e.getMessage());
        failures.add(method + ": " + e.getMessage());
        continue;
      }
      log.info("replica has been created using {}", method);
      if (sourceHost != null) {
        afterCopyFromLeader(sourceHost, sourcePort);
      } else {
        dropCopiedSocketLocks();
        pg.configureAsStandby();
      }
      return;
    }
    PgFiles.deleteContents(dir);
    throw new PgException(
        "every create_replica_methods entry failed (" + String.join("; ", failures) + ")");
  }

  /** pg_basebackup of host:port into the empty data directory, as the replication role. */
  private void basebackup(String host, int port, Duration timeout) {
    PgSettings s = pg.settings();
    Path dir = s.dataDir();
    PgFiles.createPrivateDirectory(dir);
    Map<String, String> env = new LinkedHashMap<>(Libpq.passwordEnv(s, s.replication()));
    env.put("PGAPPNAME", "synod_basebackup_" + Slots.slotNameFor(s.name()));
    env.put("PGCONNECT_TIMEOUT", "10");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                pg.bin("pg_basebackup"),
                "-D",
                dir.toString(),
                "--wal-method=stream",
                "--checkpoint=fast",
                "--no-password",
                "-d",
                replicationConninfo(host, port, false)));
    cmd.add("--progress"); // figures for the member key, /patroni and the log
    cmd.addAll(s.options().basebackupArgs()); // postgresql.basebackup
    log.info("cloning {}:{} into {}", host, port, dir);
    CloneProgress progress = new CloneProgress();
    pg.replicaProgress("starting pg_basebackup");
    try {
      PgProcess.Result r = PgProcess.runPg(cmd, env, timeout, progress::line);
      if (!r.ok()) {
        throw new PgException("pg_basebackup failed: " + r.describe());
      }
    } finally {
      pg.replicaProgress(null);
    }
    log.info("cloned {}:{} into {}", host, port, dir);
  }

  /** pg_basebackup --progress lines turned into "35% (1.2 of 3.4 GB)", logged every 10 s. */
  private final class CloneProgress {
    private final java.util.regex.Pattern figuresLine =
        java.util.regex.Pattern.compile("(\\d+)/(\\d+) kB \\((\\d+)%\\)");
    private long lastLogged;

    void line(String l) {
      java.util.regex.Matcher m = figuresLine.matcher(l);
      if (!m.find()) {
        return;
      }
      String figures =
          m.group(3)
              + "% ("
              + size(Long.parseLong(m.group(1)))
              + " of "
              + size(Long.parseLong(m.group(2)))
              + ")";
      pg.replicaProgress(figures);
      long now = System.nanoTime();
      if (now - lastLogged > 10_000_000_000L || "100".equals(m.group(3))) {
        lastLogged = now;
        log.info("creating replica: pg_basebackup {}", figures);
      }
    }

    private String size(long kb) {
      return kb >= 1024 * 1024
          ? String.format(java.util.Locale.ROOT, "%.1f GB", kb / 1048576.0)
          : String.format(java.util.Locale.ROOT, "%.1f MB", kb / 1024.0);
    }
  }

  /**
   * A custom replica method: its command with Patroni's arguments, as the postgres user, with the
   * replication role's password in the environment (PGPASSWORD, or PGPASSFILE with
   * postgresql.pgpass) as Patroni provides it through a pgpass file.
   */
  private void customReplica(
      String method, Map<String, Object> section, String host, int port, Duration timeout) {
    PgSettings s = pg.settings();
    Path dir = s.dataDir();
    if (section == null || section.get("command") == null) {
      throw new PgException("postgresql." + method + ".command is not set");
    }
    if (!PgFiles.isMissingOrEmpty(dir)) {
      if (DataMethods.truthy(section.get("keep_data"))) {
        log.info("{}: leaving the data directory as it is (keep_data)", method);
      } else {
        PgFiles.deleteContents(dir);
      }
    }
    PgFiles.createPrivateDirectory(dir);
    String connstring = host == null ? "" : replicationConninfo(host, port, true);
    List<String> cmd = new ArrayList<>(Callbacks.split(String.valueOf(section.get("command"))));
    cmd.addAll(DataMethods.replicaArgs(section, s.clusterName(), dir.toString(), connstring));
    log.info("creating the replica with {}: {}", method, String.join(" ", cmd));
    pg.replicaProgress("running " + method);
    PgProcess.Result r;
    try {
      r = PgProcess.runPg(cmd, Libpq.passwordEnv(s, s.replication()), timeout);
    } finally {
      pg.replicaProgress(null);
    }
    if (!r.ok()) {
      throw new PgException(method + " failed: " + r.describe());
    }
    if (!Files.exists(dir.resolve("PG_VERSION"))) {
      throw new PgException(
          method + " exited 0 but left no PostgreSQL cluster in " + dir + " (no PG_VERSION)");
    }
    try {
      // a replica: no promote trigger, and standby.signal (written next) rather than a restore's
      // recovery.signal, which would end recovery and promote
      Files.deleteIfExists(dir.resolve("promote"));
      Files.deleteIfExists(dir.resolve("recovery.signal"));
    } catch (IOException e) {
      throw new UncheckedIOException(method + ": " + e.getMessage(), e);
    }
  }

  /**
   * host, port, user and the replication role's libpq options (sslmode, ...) as one conninfo; with
   * dbname=postgres for a custom method's --connstring, as Patroni gives it.
   */
  private String replicationConninfo(String host, int port, boolean withDbname) {
    PgSettings s = pg.settings();
    Map<String, String> conn = new LinkedHashMap<>();
    if (withDbname) {
      conn.put("dbname", "postgres");
    }
    conn.put("host", host);
    conn.put("port", Integer.toString(port));
    conn.put("user", s.replication().username());
    conn.putAll(Libpq.params(s.replication(), s.options().majorVersion()));
    return ConfigFiles.conninfo(conn);
  }

  /**
   * After pg_basebackup or pg_rewind copied files from the leader: drop socket lock files of the
   * leader's server, make this node a standby of that leader and regenerate the config files the
   * copy overwrote.
   */
  void afterCopyFromLeader(String leaderHost, int leaderPort) {
    pg.underConfigLock(
        () -> {
          dropCopiedSocketLocks();
          pg.followCopiedLeader(leaderHost, leaderPort);
          Postgres.writeSignal(pg.dataDir().resolve("standby.signal"));
          pg.writeConfig();
        });
  }

  /** Socket lock files of the server the files were copied from would block this one's start. */
  private void dropCopiedSocketLocks() {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(pg.dataDir(), ".s.PGSQL.*")) {
      for (Path p : ds) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("cannot remove copied socket lock files: {}", e.toString());
    }
  }
}
